// The gold labels of one action in one family, derived from the seed's gold route: whether the call runs, which
// receipts proofline should then hold (schemas/completeness.ts, the one table of them), which of those the
// seed's `lose` took away, and whether the proof should end closed.
import { CHECKPOINTS, type Checkpoint } from '../../schemas/bundle.js';
import { expectedReceipts } from '../../schemas/completeness.js';
import type { RuntimeFamily } from '../../schemas/observation.js';
import type { SeedStep } from './seed.js';
import type { CorpusAction } from './trace.js';

/** A managed platform has no guard: it runs every call, unless its own confirmation was refused or ran out. */
function enforcesGuard(family: RuntimeFamily): boolean {
  return family !== 'managed_platform';
}

/** Under its gold route, the call does not run in `family`. */
export function refusedUnderGold(family: RuntimeFamily, step: SeedStep): boolean {
  const confirmed = step.approval?.answer === 'approved';
  if (!enforcesGuard(family)) return step.approval !== undefined && !confirmed;
  switch (step.gold.route) {
    case 'block':
      return true;
    case 'approval_gate':
      return !confirmed;
    case 'simulate_first':
      // Only a call proofline can rewrite to its dry run goes ahead; the rest wait for a simulation by hand.
      return step.dry_run === undefined;
    default:
      return false;
  }
}

/** The runtime runs the guard's dry-run rewrite instead of the call. */
export function runsRewritten(family: RuntimeFamily, step: SeedStep): boolean {
  return enforcesGuard(family) && step.gold.route === 'simulate_first' && step.dry_run !== undefined;
}

/**
 * `dropped`: receipts whose telemetry carriers the family left out for `lose`. A receipt stays present when the
 * server holds its own record of it: the guard's decision (admissibility) and a granted `proofline approve`.
 */
export function goldLabels(
  family: RuntimeFamily,
  step: SeedStep,
  dropped: readonly Checkpoint[],
  tampered: boolean,
): CorpusAction['gold'] {
  const refused = refusedUnderGold(family, step);
  const expected = expectedReceipts(family, { refused, gated: step.gold.route === 'approval_gate' });
  const serverHeld = new Set<Checkpoint>(
    enforcesGuard(family)
      ? ['admissibility', ...(step.approval?.answer === 'approved' ? (['approval'] as const) : [])]
      : [],
  );
  const lost = expected.filter((c) => dropped.includes(c) && !serverHeld.has(c));
  return {
    route: step.gold.route,
    severe: step.gold.severe,
    refused,
    expected_receipts: inCheckpointOrder(expected),
    lost: inCheckpointOrder(lost),
    closed: expected.includes('closure') && !lost.includes('closure') && !tampered,
  };
}

function inCheckpointOrder(checkpoints: readonly Checkpoint[]): Checkpoint[] {
  return CHECKPOINTS.filter((c) => checkpoints.includes(c));
}
