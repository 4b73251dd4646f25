// Which receipts are expected of an action, by runtime family and route (ARCHITECTURE.md §5; the table is in README →
// "Receipt completeness across runtimes"). ρ(a) counts only these, so a runtime is never punished for a
// receipt it cannot produce, and is charged for one it can produce but did not.
import type { Checkpoint } from './bundle.js';
import type { RuntimeFamily } from './observation.js';

/** Receipts each family is able to emit for an action that ran. */
export const PRODUCIBLE_RECEIPTS: Record<RuntimeFamily, readonly Checkpoint[]> = {
  // Codex and its hooks: PreToolUse gives admissibility + assumption, logs/spans give open, approval, closure.
  tool_hook: ['admissibility', 'open', 'assumption', 'approval', 'closure'],
  // An SDK-instrumented framework can emit all five through proofline/sdk.
  framework_sdk: ['admissibility', 'open', 'assumption', 'approval', 'closure'],
  // A managed platform runs the tool for you: no pre-execution guard, no view of local assumptions; its own
  // human confirmation can be reported.
  managed_platform: ['open', 'approval', 'closure'],
  // A gateway sees the request and the response, and can refuse: it cannot see the client's assumptions.
  gateway: ['admissibility', 'open', 'approval', 'closure'],
};

/** Families whose runtime records an approval for every call, gated or not (Codex's `codex.tool_decision`);
 * elsewhere an approval is owed only by a call routed to `approval_gate`. */
const APPROVAL_ON_EVERY_CALL: ReadonlySet<RuntimeFamily> = new Set(['tool_hook']);

/** A refused action (the guard said deny and nothing ran) owes its decision and its non-execution closure. */
export const REFUSED_RECEIPTS: readonly Checkpoint[] = ['admissibility', 'closure'];

export interface ReceiptExpectation {
  /** The guard refused the call and it did not run (bundle outcome `blocked`). */
  refused: boolean;
  /** The call was routed to `approval_gate`. */
  gated: boolean;
}

export function expectedReceipts(
  family: RuntimeFamily,
  { refused, gated }: ReceiptExpectation,
): Checkpoint[] {
  const producible = PRODUCIBLE_RECEIPTS[family];
  if (refused) return REFUSED_RECEIPTS.filter((c) => producible.includes(c));
  const approvalOwed = gated || APPROVAL_ON_EVERY_CALL.has(family);
  return producible.filter((c) => c !== 'approval' || approvalOwed);
}

/** Every (refused, gated) combination, for tables that spell the expectation out (the verifier's join). */
export const RECEIPT_EXPECTATIONS: readonly ReceiptExpectation[] = [false, true].flatMap((refused) =>
  [false, true].map((gated) => ({ refused, gated })),
);

export function completenessRatio(expected: readonly Checkpoint[], observed: readonly Checkpoint[]): number {
  if (expected.length === 0) return 1;
  const hits = expected.filter((c) => observed.includes(c)).length;
  return Math.round((hits / expected.length) * 1e6) / 1e6;
}
