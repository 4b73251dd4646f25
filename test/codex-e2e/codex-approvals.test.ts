// Approvals and self-protection on the real Codex CLI 0.169.0: `codex exec` against our scripted Responses API,
// every hook through `proofline hook`, a real `proofline serve` under the team's example policy. A destructive
// command is gated: what reaches the model says only that it awaits a human's approval, while the approval id
// and the command that grants it reach the human through the server log. The agent then tries to
// approve it itself and to read Codex's own hook configuration: both are denied before they run.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { codexEnv, codexExec, installCodex, type CodexExecResult } from '../../harness/codex/codex-exec.js';
import { writeCodexHome } from '../../harness/codex/codex-home.js';
import { startServe, type ServeProcess } from '../../harness/codex/proofline-serve.js';
import { EXAMPLE_POLICY } from '../../harness/codex/repo.js';
import { startResponsesServer, type ResponsesServer } from '../../harness/codex/responses-server.js';
import { startEgressTrap, type EgressTrap } from '../../harness/codex/egress-trap.js';
import { createWorkspace } from './workspace.js';

describe.skipIf(process.env.CODEX_E2E === '0')('real Codex CLI: approvals and self-protection', () => {
  let serve: ServeProcess | undefined;
  let model: ResponsesServer | undefined;
  let trap: EgressTrap | undefined;
  let run: CodexExecResult;
  let script: { gated: string; approveItself: string; readHooks: string };
  let serveLog: string[] = [];
  const output = (command: string) =>
    model!.outputOf(model!.calls.find((c) => c.command === command)!.callId) ?? '';

  beforeAll(async () => {
    const codex = await installCodex();
    const root = await mkdtemp(join(tmpdir(), 'proofline-codex-approvals-'));
    const workspace = await createWorkspace(root);
    const codexHomeDir = join(root, 'codex-home');
    script = {
      gated: 'rm -rf src',
      approveItself: 'proofline approvals',
      readHooks: `cat ${join(codexHomeDir, 'hooks.json')}`,
    };
    trap = await startEgressTrap();
    serve = await startServe({
      dataDir: join(root, 'data'),
      policy: EXAMPLE_POLICY,
      settleMs: 5000,
      idleTimeoutMs: 60_000,
    });
    model = await startResponsesServer(Object.values(script));
    const codexHome = codexHomeDir;
    const env = codexEnv(codexHome, { ...trap.env, ...workspace.gitEnv });
    // What `proofline init codex --trust` writes and trusts.
    await writeCodexHome({
      dir: codexHome,
      modelBaseUrl: model.baseUrl,
      prooflineUrl: serve.url,
      hooks: { codex, env },
    });
    run = await codexExec({ codex, codexHome, cwd: workspace.dir, env, prompt: 'Clean up, then carry on.' });
    await serve.stop();
    serveLog = serve.log;
    expect(await readFile(join(codexHome, 'hooks.json'), 'utf8')).toContain('"PreToolUse"');
  }, 300_000);

  afterAll(async () => {
    await serve?.stop();
    await model?.close();
    await trap?.close();
  });

  it('tells the model only that the gated call awaits a human; the id and command go to the human', () => {
    expect(run.exitCode, run.stderr).toBe(0);
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
    expect(run.stdout).not.toContain(requested!.approval_id);
  });

  it('denies the agent its own approval and a look at Codex’s hooks, before either runs', () => {
    expect(output(script.approveItself)).toMatch(
      /proofline protects itself: this call runs proofline's control command "approvals"/,
    );
    expect(output(script.readHooks)).toMatch(/proofline protects itself: .*Codex's hooks/);
    expect(output(script.readHooks)).not.toContain('"PreToolUse"');
  });
});
