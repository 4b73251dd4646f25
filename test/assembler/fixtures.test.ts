// The real captures end to end: fixture bytes → ingest's normalizer (tests may cross stages) → assembler →
// signed bundle. Guards the assumptions the assembler makes about what ingest produces.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { decodeOtlp } from '../../ingest/otlp/decode.js';
import { normalizeHookCall } from '../../ingest/normalize/hooks.js';
import { normalizeOtlpRequest } from '../../ingest/normalize/otlp-request.js';
import type { ActionProof } from '../../schemas/bundle.js';
import { sha256Hex } from '../../schemas/digest.js';
import type { GuardDecision } from '../../schemas/guard.js';
import type { Observation } from '../../schemas/observation.js';
import { readEnvelope, rig, signatureVerifies, statementOf, type Rig } from './harness.js';
import { CALL_ID, deliveries } from './scenarios.js';

const SCENARIOS = join(import.meta.dirname, '../fixtures/codex-0.169.0/scenarios');
const OTLP_FILE = /^\d+_(logs|traces|metrics)\.(pb|json)$/;

function decision(route: 'allow' | 'block'): GuardDecision {
  return {
    route,
    verdict: route === 'block' ? 'deny' : 'allow',
    reason: route === 'block' ? 'fixture deny' : 'fixture allow',
    matched_rules: route === 'block' ? ['fixture-deny'] : [],
    ...(route === 'block' ? { deciding_rule: 'fixture-deny' } : {}),
    policy_digest: sha256Hex('fixture policy'),
  };
}

/** Hooks in the order they ran (with the decision proofline would have returned), then OTLP in arrival order. */
function normalizeScenario(name: string, route?: 'allow' | 'block'): Observation[] {
  const dir = join(SCENARIOS, name);
  const observations: Observation[] = [];
  const invocations = join(dir, 'hooks', 'invocations.jsonl');
  const hooksRan = readdirSync(dir).includes('hooks');
  if (hooksRan) {
    for (const line of readFileSync(invocations, 'utf8').split('\n').filter(Boolean)) {
      const stdin = (JSON.parse(line) as { stdin: Record<string, unknown> }).stdin;
      const isPreToolUse = stdin['hook_event_name'] === 'PreToolUse';
      observations.push(
        ...normalizeHookCall(stdin, {
          decision: isPreToolUse && route ? decision(route) : undefined,
          storeContent: false,
          observedUnixNano: '1',
        }),
      );
    }
  }
  for (const file of readdirSync(join(dir, 'otlp'))
    .filter((f) => OTLP_FILE.test(f))
    .sort()) {
    const [, signal, ext] = OTLP_FILE.exec(file)!;
    const request = decodeOtlp(
      readFileSync(join(dir, 'otlp', file)),
      ext === 'pb' ? 'protobuf' : 'json',
      signal as 'logs' | 'traces' | 'metrics',
    );
    observations.push(
      ...normalizeOtlpRequest(request, { observedUnixNano: '1', storeContent: false }).observations,
    );
  }
  return observations;
}

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
