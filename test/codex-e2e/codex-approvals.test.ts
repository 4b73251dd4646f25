// Approvals and self-protection on the real Codex CLI 0.169.0: `codex exec` against our scripted Responses API,
// every hook through `proofline hook`, a real `proofline serve` under the team's example policy. A destructive
// command is gated: what reaches the model says only that it awaits a human's approval, while the approval id
// and the command that grants it reach the human through the server log. The agent then tries to
// approve it itself and to read Codex's own hook configuration: both are denied before they run.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { closeRig, runCodexRig, type CodexRig } from './rig.js';

describe.skipIf(process.env.CODEX_E2E === '0')('real Codex CLI: approvals and self-protection', () => {
  const started: Partial<CodexRig> = {};
  let rig: CodexRig;
  let script: { gated: string; approveItself: string; readHooks: string };
  let serveLog: string[] = [];
  const output = (command: string) => rig.outputOf(command);

  beforeAll(async () => {
    rig = await runCodexRig(
      {
        name: 'approvals',
        script: ({ codexHome }) => {
          script = {
            gated: 'rm -rf src',
            approveItself: 'proofline approvals',
            readHooks: `cat ${join(codexHome, 'hooks.json')}`,
          };
          return Object.values(script);
        },
        prompt: 'Clean up, then carry on.',
      },
      started,
    );
    await rig.serve.stop();
    serveLog = rig.serve.log;
    // What `proofline init codex --trust` writes and trusts.
    expect(await readFile(join(rig.codexHome, 'hooks.json'), 'utf8')).toContain('"PreToolUse"');
  }, 300_000);
  afterAll(() => closeRig(started));

  it('tells the model only that the gated call awaits a human; the id and command go to the human', () => {
    expect(rig.run.exitCode, rig.run.stderr).toBe(0);
    const seen = output(script.gated);
    expect(seen).toMatch(/awaits a human's approval/);
    expect(seen).not.toMatch(/proofline approve/);
    const requested = serveLog
      .map(
        (line) =>
          JSON.parse(line) as { msg?: string; approval_id?: string; approve_with?: string; command?: string },
      )
      .find((record) => record.msg === 'approval requested');
    expect(requested).toMatchObject({
      command: script.gated,
      approve_with: expect.stringMatching(/^proofline approve [0-9a-f]{16} --key/),
    });
    expect(seen).not.toContain(requested!.approval_id);
    // Nor does anything Codex prints carry it: `codex exec` 0.169 does not print a deny's systemMessage, so the
    // server log (and `proofline approvals`) is where the human finds it.
    expect(rig.run.stdout).not.toContain(requested!.approval_id);
  });

  it('denies the agent its own approval and a look at Codex’s hooks, before either runs', () => {
    expect(output(script.approveItself)).toMatch(
      /proofline protects itself: this call runs proofline's control command "approvals"/,
    );
    expect(output(script.readHooks)).toMatch(/proofline protects itself: .*Codex's hooks/);
    expect(output(script.readHooks)).not.toContain('"PreToolUse"');
  });
});
