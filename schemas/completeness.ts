// Which receipts a runtime family can produce, per route (DESIGN §5). ρ(a) counts only these, so a runtime
// is never punished for a receipt it cannot produce, and is charged for one it can produce but did not.
import type { Checkpoint } from './bundle.js';
import type { RuntimeFamily } from './observation.js';

/** Receipts each family is able to emit for an action that executed. */
export const PRODUCIBLE_RECEIPTS: Record<RuntimeFamily, readonly Checkpoint[]> = {
  // Codex and its hooks: PreToolUse gives admissibility + assumption, logs/spans give open, approval, closure.
  tool_hook: ['admissibility', 'open', 'assumption', 'approval', 'closure'],
  // An SDK-instrumented framework can emit all five through proofline/sdk.
  framework_sdk: ['admissibility', 'open', 'assumption', 'approval', 'closure'],
  // A managed platform runs the tool for you: no pre-execution guard hook, no view of local assumptions.
  managed_platform: ['open', 'approval', 'closure'],
  // A gateway sees the request and the response, and can refuse: it cannot see the client's assumptions.
  gateway: ['admissibility', 'open', 'approval', 'closure'],
};

/** A blocked action expects its block decision and its (non-execution) closure. */
export const BLOCKED_RECEIPTS: readonly Checkpoint[] = ['admissibility', 'closure'];

export function expectedReceipts(family: RuntimeFamily, blocked: boolean): Checkpoint[] {
  const producible = PRODUCIBLE_RECEIPTS[family];
  return blocked ? BLOCKED_RECEIPTS.filter((c) => producible.includes(c)) : [...producible];
}

export function completenessRatio(expected: readonly Checkpoint[], observed: readonly Checkpoint[]): number {
  if (expected.length === 0) return 1;
  const hits = expected.filter((c) => observed.includes(c)).length;
  return Math.round((hits / expected.length) * 1e6) / 1e6;
}
