// proofline/sdk against the real pipeline: the SDK's own OpenTelemetry setup exports its spans to the receiver,
// guard() asks POST /v1/decide under a policy that gates destructive commands, and the bundles are read back.
// A gated action approved with a grant signed by a registered approver key (what `proofline approve` posts)
// carries all five receipts and the signed grant; one whose approval times out is closed as not executed, with
// the expired wait recorded.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sha256Hex as sha256 } from '../../schemas/digest.js';
import { createAction, guard, recordAssumption, updateOutcome, waitForApproval } from '../../sdk/index.js';
import { approve, makeApprover, type TestApprover } from '../guard/approver.js';
import { startSdkPipeline, type SdkPipeline } from './support.js';

describe('proofline/sdk approvals through the pipeline', () => {
  let sdk: SdkPipeline;
  let alice: TestApprover;

  beforeAll(async () => {
    alice = await makeApprover('alice@example.com');
    sdk = await startSdkPipeline({ approversFile: alice.approversFile });
  });

  afterAll(async () => {
    await sdk?.stop();
  });

  it('an approval_gate action granted while waiting carries all five receipts (ρ = 1)', async () => {
    const session = 'sdk-approved-session';
    const command = 'rm -rf build-cache';
    const action = createAction({ tool: 'shell', input: { command }, sessionId: session, turnId: 'turn-1' });
    recordAssumption(action, {
      cwd: sdk.workDir,
      gitHead: '0123456789abcdef0123456789abcdef01234567',
      files: [{ path: 'build-cache', sha256: null }],
      model: 'test-model',
      permissionMode: 'default',
    });

    const gated = await guard(action, { cwd: sdk.workDir });
    expect(gated).toMatchObject({ route: 'approval_gate', verdict: 'deny' });
    expect(gated.approval_id).toMatch(/^[0-9a-f]{16}$/);

    const waiting = waitForApproval(action, gated, { timeoutMs: 15_000, pollMs: 50 });
    await approve(sdk.pipeline.url, gated.approval_id!, alice);
    const outcome = await waiting;
    expect(outcome.status).toBe('approved');
    if (outcome.status !== 'approved') return;
    expect(outcome.decision).toMatchObject({ route: 'allow', verdict: 'allow' });
    expect(outcome.decision.deciding_rule).toBe(`approval:${gated.approval_id}`);
    updateOutcome(action, { executed: true, success: true, output: 'removed build-cache\n' });

    const proofs = await sdk.proofsOf(session);
    expect(proofs).toHaveLength(1);
    const { summary, evidence } = proofs[0]!;
    expect(evidence.receipts.map((r) => [r.checkpoint, r.status])).toEqual([
      ['admissibility', 'present'],
      ['open', 'present'],
      ['assumption', 'present'],
      ['approval', 'present'],
      ['closure', 'present'],
    ]);
    expect(summary).toMatchObject({
      action_id: action.id,
      turn_id: 'turn-1',
      runtime_family: 'framework_sdk',
      tool_name: 'shell',
      input_digest: sha256(command),
      route: 'approval_gate',
      enforceability: 'approval_orchestrated',
      outcome: 'succeeded',
    });
    expect(summary.completeness).toMatchObject({ missing: [], rho: 1 });
    expect(summary.completeness.expected).toHaveLength(5);
    expect(evidence.approvals).toEqual([
      expect.objectContaining({
        decision: 'approved',
        approver: 'alice@example.com',
        source: 'proofline approve',
      }),
    ]);
    const approval = evidence.receipts.find((r) => r.checkpoint === 'approval')!;
    expect(approval.facts.grants).toEqual([
      expect.objectContaining({ payloadType: 'application/vnd.proofline.approval-grant+json' }),
    ]);
    const assumption = evidence.receipts.find((r) => r.checkpoint === 'assumption')!;
    expect(assumption.facts).toMatchObject({
      cwd: sdk.workDir,
      git_head: '0123456789abcdef0123456789abcdef01234567',
      model: 'test-model',
      permission_mode: 'default',
      files: [{ path: 'build-cache', sha256: null }],
    });
    const closure = evidence.receipts.find((r) => r.checkpoint === 'closure')!;
    expect(closure.facts).toMatchObject({
      kind: 'execution',
      executed: true,
      success: true,
      output_digest: sha256('removed build-cache\n'),
    });
  });

  it('an approval that times out resolves expired; the action is closed as not executed', async () => {
    const session = 'sdk-expired-session';
    const action = createAction({
      tool: 'shell',
      input: { command: 'rm -rf old-releases' },
      sessionId: session,
    });
    recordAssumption(action, { cwd: sdk.workDir });
    const gated = await guard(action, { cwd: sdk.workDir });
    expect(gated.route).toBe('approval_gate');

    const started = Date.now();
    const outcome = await waitForApproval(action, gated, { timeoutMs: 400, pollMs: 50 });
    expect(outcome).toEqual({ status: 'expired' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    updateOutcome(action, { executed: false });

    const proofs = await sdk.proofsOf(session);
    expect(proofs).toHaveLength(1);
    const { summary, evidence } = proofs[0]!;
    expect(summary).toMatchObject({ action_id: action.id, route: 'approval_gate', outcome: 'blocked' });
    expect(evidence.approvals).toEqual([
      expect.objectContaining({ decision: 'expired', source: 'proofline/sdk', approver: null }),
    ]);
    const approval = evidence.receipts.find((r) => r.checkpoint === 'approval')!;
    expect(approval.status).toBe('present');
    expect(approval.facts).toMatchObject({ decision: 'expired' });
    const closure = evidence.receipts.find((r) => r.checkpoint === 'closure')!;
    expect(closure.facts).toMatchObject({
      kind: 'non_execution',
      route: 'approval_gate',
      execution_records: 0,
    });
    expect(summary.completeness.rho).toBe(1);
  });
});
