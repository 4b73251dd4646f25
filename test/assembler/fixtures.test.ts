// The real captures end to end: fixture bytes → ingest's normalizer (tests may cross stages) → assembler →
// signed bundle. Guards the assumptions the assembler makes about what ingest produces.
import { afterEach, describe, expect, it } from 'vitest';

import type { ActionProof } from '../../schemas/bundle.js';
import { normalizeScenario } from './codex-captures.js';
import { readEnvelope, rig, signatureVerifies, statementOf, type Rig } from './harness.js';
import { CALL_ID, deliveries } from './scenarios.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function bundleScenario(name: string, route?: 'allow' | 'block'): Promise<ActionProof> {
  current = await rig();
  await current.assembler.handle(deliveries(normalizeScenario(name, route)));
  const report = await current.assembler.flush();
  const mine = report.bundled.filter((b) => b.actionId === CALL_ID);
  expect(mine).toHaveLength(1);
  const { envelope, payload } = await readEnvelope(current.dataDir, mine[0]!.location);
  expect(await signatureVerifies(current.keyDir, envelope)).toBe(true);
  return statementOf<ActionProof>(payload).predicate;
}

describe('real Codex 0.169.0 captures', () => {
  it('binary_allow: all five receipts, rho 1, succeeded', async () => {
    const proof = await bundleScenario('binary_allow', 'allow');
    expect(proof.evidence.receipts.map((r) => r.status)).toEqual([
      'present',
      'present',
      'present',
      'present',
      'present',
    ]);
    expect(proof.summary).toMatchObject({ route: 'allow', outcome: 'succeeded', completeness: { rho: 1 } });
    expect(proof.evidence.slice.edges.some((e) => e.type === 'parent_child')).toBe(true);
  });

  it('binary_deny: blocked, non-execution proof, rho 1', async () => {
    const proof = await bundleScenario('binary_deny', 'block');
    expect(proof.summary).toMatchObject({
      route: 'block',
      outcome: 'blocked',
      completeness: { expected: ['admissibility', 'closure'], rho: 1 },
    });
    expect(proof.evidence.receipts[4]!.facts).toMatchObject({ kind: 'non_execution' });
  });

  it('hooks_untrusted_skipped: rho 0.6 and the missing guard receipt is flagged', async () => {
    const proof = await bundleScenario('hooks_untrusted_skipped');
    expect(proof.summary).toMatchObject({
      route: null,
      enforceability: 'post_hoc_observed',
      completeness: { rho: 0.6 },
    });
    expect(proof.verification.checks).toContainEqual(
      expect.objectContaining({ name: 'guard_receipt_present', ok: false }),
    );
  });
});
