// What a decided action does to the obligations its session already holds: discharge them (it is the `after`
// action a duty waits for) or waive them (a dispensation it matched names their rule). Ingest keeps the open
// obligations; the matching is the engine's, so the assembler and the verifier can re-derive it from the
// pinned policy.
import type { Guard, GuardDecision, GuardRequest } from '../../schemas/guard.js';
import { CompiledPolicy } from './compile.js';
import type { Conditions } from './document.js';

/** An obligation a session holds until a later action discharges it or a dispensation waives it. */
export interface OpenObligation {
  id: string;
  rule_id: string;
  /** The duty's `after` conditions, as the decision that created it carried them. */
  after: Record<string, unknown>;
}

export interface ObligationSettlement {
  /** Ids of the open obligations this action discharges. */
  discharges: string[];
  /** Ids of the open obligations a dispensation this action matched waives. */
  waives: string[];
}

const NOTHING_SETTLED: ObligationSettlement = { discharges: [], waives: [] };

/**
 * Only an action that runs (verdict allow) settles anything: a blocked push discharges no review duty. A guard
 * other than the compiled policy (the simple rule file) creates no obligations and has no dispensations.
 * An obligation a dispensation waives is not also discharged.
 */
export function settleObligations(
  guard: Guard,
  request: GuardRequest,
  decision: GuardDecision,
  open: readonly OpenObligation[],
): ObligationSettlement {
  if (!(guard instanceof CompiledPolicy) || decision.verdict !== 'allow' || open.length === 0)
    return NOTHING_SETTLED;
  const waivedRules = new Set(guard.waivedBy(decision.matched_rules));
  const waives = open.filter((duty) => waivedRules.has(duty.rule_id));
  const remaining = open.filter((duty) => !waivedRules.has(duty.rule_id));
  const facts = remaining.length > 0 ? guard.classify(request) : undefined;
  const discharges = remaining.filter((duty) => guard.matchesAfter(duty.after as Conditions, request, facts));
  return { discharges: discharges.map((duty) => duty.id), waives: waives.map((duty) => duty.id) };
}
