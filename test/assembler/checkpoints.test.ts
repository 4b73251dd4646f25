import { describe, expect, it } from 'vitest';

import { certifyAction } from '../../assembler/checkpoints.js';
import { receiptDigest } from '../../schemas/bundle.js';
import { SessionGraph } from '../../assembler/graph.js';
import { groupByAction, resolveActions } from '../../assembler/session.js';
import { verifyCertificate } from '../../assembler/verification.js';
import type { Observation } from '../../schemas/observation.js';
import {
  allowScenario,
  CALL_ID,
  denyScenario,
  INPUT_DIGEST,
  observation,
  POLICY_DIGEST,
  preToolUse,
  SESSIONS,
  TURNS,
  untrustedScenario,
} from './scenarios.js';

function certify(observations: Observation[], actionId = CALL_ID) {
  const actionOf = resolveActions(observations);
  const graph = new SessionGraph(observations, actionOf);
  const members = groupByAction(graph.timeline.ordered, actionOf).get(actionId)!;
  return certifyAction(observations[0]!.session_id, actionId, members);
}

const statusOf = (cert: ReturnType<typeof certify>) =>
  Object.fromEntries(cert.receipts.map((r) => [r.checkpoint, r.status]));
const check = (cert: ReturnType<typeof certify>, name: string) =>
  verifyCertificate(cert, null).checks.find((c) => c.name === name);

describe('action certificate', () => {
  it('allowed call with trusted hooks: all five receipts, rho 1, succeeded, runtime enforced', () => {
    const cert = certify(allowScenario());
    expect(cert.receipts.map((r) => r.checkpoint)).toEqual([
      'admissibility',
      'open',
      'assumption',
      'approval',
      'closure',
    ]);
    expect(Object.values(statusOf(cert))).toEqual(['present', 'present', 'present', 'present', 'present']);
    expect(cert.completeness).toEqual({
      expected: ['admissibility', 'open', 'assumption', 'approval', 'closure'],
      observed: ['admissibility', 'open', 'assumption', 'approval', 'closure'],
      missing: [],
      rho: 1,
    });
    expect(cert).toMatchObject({
      route: 'allow',
      outcome: 'succeeded',
      enforceability: 'runtime_enforced',
      policyDigest: POLICY_DIGEST,
      inputDigest: INPUT_DIGEST,
      turnId: TURNS.allow,
      startedAt: '2026-11-21T04:35:21.593Z',
      endedAt: '2026-11-21T04:35:21.629Z',
    });
    const closure = cert.receipts[4]!;
    expect(closure.facts).toMatchObject({ kind: 'execution', executed: true, success: true });
    expect(closure.observations.map((o) => o.name).sort()).toEqual(['codex.tool_result', 'hook:PostToolUse']);
    expect(cert.receipts[3]!.facts).toMatchObject({ decision: 'approved', sources: ['Config'] });
    expect(cert.receipts[1]!.facts['via']).toBe('approval');
    expect(verifyCertificate(cert, null).completeness_verdict).toBe('complete');
  });

  it('denied call: route block, closure is a non-execution proof, rho 1 over admissibility + closure', () => {
    const cert = certify(denyScenario());
    expect(cert.route).toBe('block');
    expect(cert.outcome).toBe('blocked');
    expect(cert.closureByAbsence).toBe(true);
    expect(cert.completeness).toEqual({
      expected: ['admissibility', 'closure'],
      observed: ['admissibility', 'open', 'assumption', 'closure'],
      missing: [],
      rho: 1,
    });
    const closure = cert.receipts.find((r) => r.checkpoint === 'closure')!;
    expect(closure.status).toBe('present');
    expect(closure.facts).toMatchObject({ kind: 'non_execution', route: 'block', execution_records: 0 });
    expect(closure.observations.map((o) => o.kind)).toEqual(['guard_decision']);
    expect(cert.receipts[0]!.facts).toMatchObject({
      route: 'block',
      verdict: 'deny',
      deciding_rule: 'no-writes',
      matched_rules: ['no-writes'],
    });
    expect(check(cert, 'block_honoured')?.ok).toBe(true);
    expect(check(cert, 'route_rederived')?.ok).toBe(true);
  });

  it('a blocked call that executed anyway is held to all five receipts and flagged', () => {
    const ran = observation({
      source: 'codex.log',
      kind: 'tool_result',
      name: 'codex.tool_result',
      session_id: SESSIONS.deny,
      action_id: CALL_ID,
      time: '2026-11-21T04:35:30.100Z',
      attrs: { 'proofline.execution': true, 'proofline.success': true },
    });
    const cert = certify([...denyScenario(), ran]);
    expect(cert.outcome).toBe('succeeded');
    expect(cert.completeness.expected).toHaveLength(5);
    expect(cert.completeness.missing).toEqual(['approval']);
    expect(check(cert, 'block_honoured')).toMatchObject({ ok: false });
  });

  it('a denied approval Codex reports a failed result for is held to what its outcome owes', () => {
    // hook_permission_request_deny without hooks (telemetry only, as through a Collector): the user denied the
    // permission, and Codex logs the denial and a failed tool_result, with no execution.
    const base = { source: 'codex.log', session_id: SESSIONS.allow, action_id: CALL_ID } as const;
    const cert = certify([
      observation({
        ...base,
        kind: 'approval',
        name: 'codex.tool_decision',
        time: '2026-11-21T04:35:30.000Z',
        attrs: { 'proofline.approval.decision': 'denied', 'proofline.approval.source': 'User' },
      }),
      observation({
        ...base,
        kind: 'tool_result',
        name: 'codex.tool_result',
        time: '2026-11-21T04:35:30.100Z',
        attrs: { 'proofline.success': false },
      }),
    ]);
    expect(cert.outcome).toBe('failed');
    // The verifier expects the refused set only of a blocked call; the claim must be the same expectation.
    expect(cert.completeness.expected).toEqual([
      'admissibility',
      'open',
      'assumption',
      'approval',
      'closure',
    ]);
    expect(cert.completeness.rho).toBe(0.4);
  });

  it('untrusted hooks skipped: rho 0.6, guard receipt flagged missing, post-hoc observed', () => {
    const cert = certify(untrustedScenario());
    expect(statusOf(cert)).toEqual({
      admissibility: 'missing',
      open: 'present',
      assumption: 'missing',
      approval: 'present',
      closure: 'present',
    });
    expect(cert.completeness.rho).toBe(0.6);
    expect(cert.completeness.missing).toEqual(['admissibility', 'assumption']);
    expect(cert.route).toBeNull();
    expect(cert.enforceability).toBe('post_hoc_observed');
    expect(cert.receipts[0]!.facts).toEqual({ sought: ['guard_decision'] });
    expect(check(cert, 'guard_receipt_present')).toMatchObject({ ok: false });
    expect(verifyCertificate(cert, null).completeness_verdict).toBe('incomplete');
  });

  it('receipts form a hash chain that detects tampering', () => {
    const cert = certify(allowScenario());
    let previous: string | null = null;
    for (const receipt of cert.receipts) {
      expect(receipt.previous).toBe(previous);
      expect(receipt.digest).toBe(receiptDigest(receipt));
      expect(receipt.digest).toMatch(/^[0-9a-f]{64}$/);
      previous = receipt.digest;
    }
    expect(check(cert, 'receipt_chain_intact')?.ok).toBe(true);
    cert.receipts[2]!.facts['cwd'] = '/elsewhere';
    expect(check(cert, 'receipt_chain_intact')).toMatchObject({ ok: false, detail: 'broken at assumption' });
  });

  it('joins a PermissionRequest approval (no tool_use_id) by turn and input digest', () => {
    const facts = { session: SESSIONS.allow, turn: TURNS.allow };
    const permission = observation({
      source: 'hook',
      kind: 'approval',
      name: 'hook:PermissionRequest',
      session_id: facts.session,
      turn_id: facts.turn,
      attrs: {
        'proofline.input.digest': INPUT_DIGEST,
        'proofline.approval.decision': 'approved',
        'proofline.approval.source': 'PermissionRequest hook',
      },
    });
    const other = preToolUse(facts, 'allow', { callId: 'call_other', inputDigest: 'f'.repeat(64) });
    const observations = [...preToolUse(facts, 'allow'), ...other, permission];
    expect(resolveActions(observations).get(permission.id)).toBe(CALL_ID);
    const cert = certify(observations);
    expect(cert.approvals).toEqual([
      {
        source: 'PermissionRequest hook',
        decision: 'approved',
        approver: null,
        enforceability: 'approval_orchestrated',
        observation: permission.id,
      },
    ]);
    expect(cert.receipts[3]!.status).toBe('present');
  });

  it('an action closed before any outcome names what is missing', () => {
    const cert = certify(preToolUse({ session: SESSIONS.allow, turn: TURNS.allow }, 'allow'));
    expect(cert.outcome).toBe('unknown');
    expect(cert.completeness.missing).toEqual(['approval', 'closure']);
    const forced = verifyCertificate(cert, 'idle_timeout').checks.find(
      (c) => c.name === 'closed_before_outcome',
    );
    expect(forced).toEqual({
      name: 'closed_before_outcome',
      ok: false,
      detail: 'closed at idle_timeout with no closure evidence; missing receipts: approval, closure',
    });
  });
});
