// The embedded pipeline end to end on real Codex captures: hooks through real `proofline hook` processes,
// OTLP byte for byte over HTTP, bundles signed and sealed, then the verifier and the reports over them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Pipeline } from '../../service/embedded.js';
import type { ActionProof } from '../../schemas/bundle.js';
import { runReport } from '../../verifier/report-command.js';
import { runVerify } from '../../verifier/verify-command.js';
import {
  actionProofs,
  captureOutput,
  DENY_POLICY,
  readBundles,
  replay,
  startTestPipeline,
} from './support.js';

const SESSIONS = {
  allow: '01a1fc63-1dbb-75c3-a7f6-f2523a92b240',
  deny: '01a1fc63-40d6-71a2-bc0a-00d67046c222',
};

describe('embedded pipeline on real Codex captures', () => {
  let pipeline: Pipeline;
  let proofs: ActionProof[];
  let untrusted: ActionProof;

  beforeAll(async () => {
    pipeline = await startTestPipeline();
    await replay(pipeline, 'binary_allow');
    await replay(pipeline, 'binary_deny', DENY_POLICY);
    await replay(pipeline, 'hooks_untrusted_skipped');
    await pipeline.flush();
    proofs = actionProofs(await readBundles(pipeline.dataDir));
    untrusted = proofs.find(
      (p) => p.summary.session_id !== SESSIONS.allow && p.summary.session_id !== SESSIONS.deny,
    )!;
  });
  afterAll(async () => pipeline?.close());

  const proofOf = (session: string) => proofs.find((p) => p.summary.session_id === session)!;

  it('bundles exactly one action per capture', () => {
    expect(proofs.map((p) => p.summary.action_id)).toEqual([
      'call_fixture_0001',
      'call_fixture_0001',
      'call_fixture_0001',
    ]);
    expect(new Set(proofs.map((p) => p.summary.session_id)).size).toBe(3);
  });

  it('binary_allow: every receipt present, rho 1, the tool ran and succeeded', () => {
    const { summary, evidence } = proofOf(SESSIONS.allow);
    expect(evidence.receipts.map((r) => [r.checkpoint, r.status])).toEqual([
      ['admissibility', 'present'],
      ['open', 'present'],
      ['assumption', 'present'],
      ['approval', 'present'],
      ['closure', 'present'],
    ]);
    expect(summary).toMatchObject({
      route: 'allow',
      outcome: 'succeeded',
      // Let through under danger-full-access: nothing but the guard's word stood in its way.
      enforceability: 'advisory',
    });
    expect(summary.completeness.rho).toBe(1);
    expect(evidence.receipts[0]!.facts).toMatchObject({ route: 'allow', verdict: 'allow' });
    expect(evidence.receipts[2]!.facts).toMatchObject({
      cwd: '/home/dev/codex-runs/binary_allow/workspace',
      permission_mode: 'bypassPermissions',
      model: 'mock-model',
    });
  });

  it('binary_deny: route block, closed by a non-execution proof', () => {
    const { summary, evidence } = proofOf(SESSIONS.deny);
    expect(summary).toMatchObject({ route: 'block', outcome: 'blocked' });
    expect(summary.completeness).toMatchObject({ expected: ['admissibility', 'closure'], rho: 1 });
    const closure = evidence.receipts.find((r) => r.checkpoint === 'closure')!;
    expect(closure.facts).toMatchObject({ kind: 'non_execution', execution_records: 0 });
    expect(evidence.receipts[0]!.facts).toMatchObject({
      deciding_rule: 'demo.no-shell-redirects',
      verdict: 'deny',
    });
  });

  it('hooks_untrusted_skipped: the tool ran with no guard receipt, rho < 1, flagged', () => {
    expect(untrusted.summary.completeness.rho).toBeLessThan(1);
    expect(untrusted.summary.completeness.missing).toEqual(['admissibility', 'assumption']);
    expect(untrusted.summary.enforceability).toBe('post_hoc_observed');
    expect(untrusted.verification.checks).toContainEqual(
      expect.objectContaining({ name: 'guard_receipt_present', ok: false }),
    );
  });

  it('verifies, and the completeness gate trips on the untrusted session', async () => {
    const pass = captureOutput();
    expect(
      await runVerify({ paths: [pipeline.dataDir], minCompleteness: 0.8, format: 'json' }, pass.out),
    ).toBe(0);
    const report = JSON.parse(pass.stdout()) as { completeness: { overall: { mean_rho: number } } };
    expect(report.completeness.overall.mean_rho).toBeCloseTo((1 + 1 + 0.6) / 3, 5);

    const gate = captureOutput();
    expect(
      await runVerify({ paths: [pipeline.dataDir], minCompleteness: 0.9, format: 'text' }, gate.out),
    ).toBe(3);
  });

  it('reports the unguarded tool call and the blocked one', async () => {
    const unguarded = captureOutput();
    expect(
      await runReport(
        { paths: [pipeline.dataDir], builtin: 'unguarded', list: false, format: 'json' },
        unguarded.out,
      ),
    ).toBe(0);
    expect(JSON.parse(unguarded.stdout())).toEqual([
      expect.objectContaining({ session_id: untrusted.summary.session_id }),
    ]);

    const blocked = captureOutput();
    expect(
      await runReport(
        { paths: [pipeline.dataDir], builtin: 'blocked', list: false, format: 'json' },
        blocked.out,
      ),
    ).toBe(0);
    expect(JSON.parse(blocked.stdout())).toEqual([expect.objectContaining({ session_id: SESSIONS.deny })]);
  });
});
