// Obligations end to end on the embedded pipeline under deploy/policy/example-policy.yaml: PreToolUse calls
// through the real `proofline hook` process to /v1/guard, Codex's OTLP logs (conversation start and tool
// results, which give the calls their runtime times) over HTTP, bundles and seals, then `proofline report`.
// One session pushes to main and opens a pull request five minutes later (discharged); another pushes and,
// eleven minutes later, runs `ls` (violated).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Pipeline } from '../../service/embedded.js';
import { loadGuard } from '../../policy/load.js';
import type { ActionProof } from '../../schemas/bundle.js';
import { runVerify } from '../../verifier/verify-command.js';
import {
  CodexSession,
  denyReason,
  ensureCliBuilt,
  EXAMPLE_POLICY,
  hook,
  makeWorkspace,
  runCli,
} from '../guard/support.js';
import { actionProofs, captureOutput, readBundles, seals, startTestPipeline } from './support.js';

const REVIEWED = '01a1fc63-0b11-7000-8000-00000000a001';
const UNREVIEWED = '01a1fc63-0b11-7000-8000-00000000a002';
const MINUTE_MS = 60_000;

type Attr = { key: string; value: { stringValue: string } };
const attr = (key: string, value: string): Attr => ({ key, value: { stringValue: value } });

/** A Codex log record as `codex exec` exports it: the runtime time is the `event.timestamp` attribute. */
function codexLog(session: string, event: string, at: Date, attrs: Attr[]): object {
  return {
    timeUnixNano: '0',
    observedTimeUnixNano: String(BigInt(at.getTime()) * 1_000_000n),
    attributes: [
      attr('event.name', event),
      ...attrs,
      attr('event.timestamp', at.toISOString()),
      attr('conversation.id', session),
    ],
  };
}

/** Codex's OTLP logs of one session: it started under these policies, and each call ran at its minute. */
async function postCodexLogs(
  pipeline: Pipeline,
  session: CodexSession,
  start: Date,
  policies: { approval: string; sandbox: string },
  calls: { callId: unknown; minute: number; command: string }[],
): Promise<void> {
  const at = (minute: number) => new Date(start.getTime() + minute * MINUTE_MS);
  const records = [
    codexLog(session.sessionId, 'codex.conversation_starts', start, [
      attr('approval_policy', policies.approval),
      attr('sandbox_policy', policies.sandbox),
    ]),
    ...calls.map(({ callId, minute, command }) =>
      codexLog(session.sessionId, 'codex.tool_result', at(minute), [
        attr('tool_name', 'exec_command'),
        attr('call_id', String(callId)),
        attr('success', 'true'),
        attr('arguments', JSON.stringify({ cmd: command })),
        attr('output', 'ok'),
      ]),
    ),
  ];
  const response = await fetch(`${pipeline.url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [attr('service.name', 'codex_exec'), attr('service.version', '0.169.0')] },
          scopeLogs: [{ logRecords: records }],
        },
      ],
    }),
  });
  expect(response.status).toBe(200);
}

/** Runs each command through `proofline hook` (all allowed), then sends Codex's logs for them. */
async function runSession(
  pipeline: Pipeline,
  session: CodexSession,
  start: Date,
  policies: { approval: string; sandbox: string },
  commands: { command: string; minute: number }[],
): Promise<string[]> {
  const calls = [];
  for (const { command, minute } of commands) {
    const payload = session.preToolUse(command);
    const run = await hook(pipeline.url, payload, session.cwd);
    expect({ code: run.code, deny: denyReason(run) }).toEqual({ code: 0, deny: undefined });
    calls.push({ callId: payload.tool_use_id, minute, command });
  }
  await postCodexLogs(pipeline, session, start, policies, calls);
  return calls.map((c) => String(c.callId));
}

describe('obligations through the embedded pipeline and the example policy', () => {
  let pipeline: Pipeline;
  let reviewed: string[];
  let unreviewed: string[];
  let proofs: ActionProof[];

  beforeAll(async () => {
    await ensureCliBuilt();
    const workspace = makeWorkspace();
    pipeline = await startTestPipeline();
    pipeline.setGuard(loadGuard(EXAMPLE_POLICY));
    reviewed = await runSession(
      pipeline,
      new CodexSession(REVIEWED, workspace),
      new Date('2026-11-21T09:00:00.000Z'),
      { approval: 'on-request', sandbox: 'workspace-write' },
      [
        { command: 'git push origin main', minute: 1 },
        { command: 'gh pr create --fill', minute: 6 },
      ],
    );
    unreviewed = await runSession(
      pipeline,
      new CodexSession(UNREVIEWED, workspace),
      new Date('2026-11-21T10:00:00.000Z'),
      { approval: 'never', sandbox: 'danger-full-access' },
      [
        { command: 'git push origin main', minute: 1 },
        { command: 'ls', minute: 12 },
      ],
    );
    await pipeline.flush();
    proofs = actionProofs(await readBundles(pipeline.dataDir));
  }, 60_000);
  afterAll(async () => pipeline?.close());

  const proofOf = (actionId: string) => proofs.find((p) => p.summary.action_id === actionId)!;

  it('the push creates the review duty, due ten minutes after its runtime time', () => {
    const [push] = reviewed;
    expect(proofOf(push!).evidence.obligations).toEqual([
      expect.objectContaining({
        rule_id: 'review-after-protected-push',
        status: 'open',
        created_by: push,
        due_unix_nano: String(BigInt(Date.parse('2026-11-21T09:11:00.000Z')) * 1_000_000n),
      }),
    ]);
  });

  it('gh pr create discharges it in time; in the other session it is violated', async () => {
    const [push, pr] = reviewed;
    expect(proofOf(pr!).evidence.obligations).toEqual([
      expect.objectContaining({ status: 'discharged', created_by: push, discharged_by: pr }),
    ]);
    const [, ls] = unreviewed;
    expect(proofOf(ls!).verification.checks).toContainEqual(
      expect.objectContaining({
        name: 'obligations',
        ok: false,
        detail: expect.stringMatching(/violated: review-after-protected-push/),
      }),
    );
    const sealed = new Map(seals(await readBundles(pipeline.dataDir)).map((s) => [s.session_id, s]));
    expect(sealed.get(REVIEWED)!.obligations!.map((o) => o.status)).toEqual(['discharged']);
    expect(sealed.get(UNREVIEWED)!.obligations!.map((o) => o.status)).toEqual(['violated']);
  });

  it('the bundles verify', async () => {
    const { out, stdout } = captureOutput();
    const code = await runVerify({ paths: [pipeline.dataDir], minCompleteness: 0, format: 'json' }, out);
    expect(JSON.parse(stdout()).checks.filter((c: { status: string }) => c.status === 'fail')).toEqual([]);
    expect(code).toBe(0);
  });

  it('proofline report --builtin obligations shows both, the violated one first', async () => {
    const run = await runCli(['report', pipeline.dataDir, '--builtin', 'obligations', '--format', 'json']);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as Record<string, unknown>[];
    expect(rows.map((r) => [r.status, r.session_id, r.rule_id, r.created_by, r.discharged_by])).toEqual([
      ['violated', UNREVIEWED, 'review-after-protected-push', unreviewed[0], null],
      ['discharged', REVIEWED, 'review-after-protected-push', reviewed[0], reviewed[1]],
    ]);
    const table = await runCli(['report', pipeline.dataDir, '--builtin', 'obligations']);
    expect(table.stdout).toMatch(/violated[\s\S]*discharged/);
  });

  it('proofline report --builtin authority flags the relaxation between the sessions', async () => {
    const run = await runCli(['report', pipeline.dataDir, '--builtin', 'authority', '--format', 'json']);
    const rows = JSON.parse(run.stdout) as Record<string, unknown>[];
    expect(rows.map((r) => [r.scope, r.session_id, r.setting, r.before, r.after, r.relaxed])).toEqual([
      ['between sessions', UNREVIEWED, 'approval_policy', 'on-request', 'never', true],
      ['between sessions', UNREVIEWED, 'sandbox_policy', 'workspace-write', 'danger-full-access', true],
    ]);
  });
});
