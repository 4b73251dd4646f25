// The eval's figures, computed from a run and the gold labels only (formulas in README → "Evaluation"), so a
// changed label changes them. Routes of proofline are those its bundles recorded; the no-integrity ablation
// reads the data directory after tampering without verifying it; the baselines and the no-externality
// ablation route each action on its own. Proof figures exist only for the systems that produce proofs.
import type { Route } from '../schemas/guard.js';
import type { RuntimeFamily } from '../schemas/observation.js';
import { RUNTIME_FAMILIES } from '../schemas/observation.js';
import { completenessMetrics, ratio, round, routeMetrics, type RouteMetrics } from './metrics.js';
import type { ActionResult, BundleView, EvalRun } from './run.js';
import type { SystemName } from './systems.js';

export interface ProofMetrics {
  /** Share of actions whose proof is accepted and ends in a present closure receipt. */
  proof_closure: number | null;
  /** Share of actions where "proof accepted and closed" equals the gold `closed`. */
  closure_accuracy: number | null;
  /** Actions accepted as closed whose gold says they must not be (tampered, or closure lost). */
  false_closures: number;
  mean_rho: number | null;
  /** Share of actions whose ρ equals the gold ρ, (|expected| − |lost|) / |expected|, 0 for tampered ones. */
  rho_agreement: number | null;
}

export interface SystemScore extends RouteMetrics {
  system: SystemName;
  proof: ProofMetrics | null;
}

export interface FamilyScore {
  family: RuntimeFamily;
  actions: number;
  route_accuracy: number | null;
  mean_rho: number | null;
  complete_share: number | null;
  /** Share whose expected receipts are exactly the gold ones: the per-family table applied as labelled. */
  expected_agreement: number | null;
  rho_agreement: number | null;
}

/** proofline's routing on one part of the corpus: the seeds tuned against, or the part frozen before tuning
 * and scored last (seed ids starting `frozen-`, test/corpus/README.md). */
export interface PartScore extends RouteMetrics {
  part: CorpusPart;
  seeds: number;
}

export type CorpusPart = 'tuning' | 'frozen';

/** Frozen seeds are named `frozen-…`: the name is what travels with every action of the run. */
export function partOf(seed: string): CorpusPart {
  return seed.startsWith('frozen-') ? 'frozen' : 'tuning';
}

export interface EvalReport {
  corpus: { seeds: number; traces: number; actions: number; severe: number; tampered: number };
  systems: SystemScore[];
  /** proofline per corpus part; a part without seeds is left out. */
  parts: PartScore[];
  families: FamilyScore[];
  /** Rebuilt from the recorded observations in fresh data directories: identical manifests / actions. */
  manifest_stability: { actions: number; identical: number; share: number | null; rebuilds: number };
  obligations: { gold: number; matched: number; accuracy: number | null };
  rejected_sessions: number;
  seconds: number;
}

export function scoreRun(run: EvalRun): EvalReport {
  const rows = run.actions;
  const systems: SystemScore[] = [
    score('proofline', rows, (a) => a.bundle?.route ?? null, verifiedView),
    score('static_rules', rows, (a) => a.baselines.static_rules, null),
    score('risk_score', rows, (a) => a.baselines.risk_score, null),
    score('no_externality', rows, (a) => a.baselines.no_externality, null),
    score(
      'no_integrity',
      rows,
      (a) => a.claimed?.route ?? null,
      (a) => a.claimed,
    ),
  ];
  const stable = rows.filter((a) => a.manifest !== null && a.rebuilt.every((m) => m === a.manifest));
  const withBundle = rows.filter((a) => a.manifest !== null);
  const matchedObligations = run.obligations.filter((o) => o.actual === o.gold).length;
  return {
    corpus: {
      seeds: new Set(rows.map((a) => a.seed)).size,
      traces: new Set(rows.map((a) => a.session_id)).size,
      actions: rows.length,
      severe: rows.filter((a) => a.gold.severe).length,
      tampered: rows.filter((a) => a.tampered).length,
    },
    systems,
    parts: (['tuning', 'frozen'] as const).flatMap((part) => {
      const inPart = rows.filter((a) => partOf(a.seed) === part);
      if (inPart.length === 0) return [];
      const metrics = routeMetrics(
        inPart.map((a) => ({
          gold: a.gold.route,
          predicted: a.bundle?.route ?? null,
          severe: a.gold.severe,
        })),
      );
      return [{ part, seeds: new Set(inPart.map((a) => a.seed)).size, ...rounded(metrics) }];
    }),
    families: RUNTIME_FAMILIES.map((family) =>
      familyScore(
        family,
        rows.filter((a) => a.family === family),
      ),
    ),
    manifest_stability: {
      actions: withBundle.length,
      identical: stable.length,
      share: share(stable.length, withBundle.length),
      rebuilds: rows[0]?.rebuilt.length ?? 0,
    },
    obligations: {
      gold: run.obligations.length,
      matched: matchedObligations,
      accuracy: share(matchedObligations, run.obligations.length),
    },
    rejected_sessions: run.rejectedSessions.length,
    seconds: round(run.seconds, 1),
  };
}

/** What an integrity-checking reader accepts: the bundle, unless the verifier rejected it. */
function verifiedView(action: ActionResult): BundleView | null {
  return action.rejected ? null : action.claimed;
}

function score(
  system: SystemName,
  rows: readonly ActionResult[],
  routeOf: (a: ActionResult) => Route | null,
  proofOf: ((a: ActionResult) => BundleView | null) | null,
): SystemScore {
  const routes = routeMetrics(
    rows.map((a) => ({ gold: a.gold.route, predicted: routeOf(a), severe: a.gold.severe })),
  );
  return { system, ...rounded(routes), proof: proofOf ? proofMetrics(rows, proofOf) : null };
}

function proofMetrics(
  rows: readonly ActionResult[],
  proofOf: (a: ActionResult) => BundleView | null,
): ProofMetrics {
  const closed = rows.map((a) => proofOf(a)?.closed ?? false);
  const rhos = rows.map((a) => proofOf(a)?.rho ?? 0);
  const goldClosed = rows.map((a) => a.gold.closed && !a.tampered);
  return {
    proof_closure: share(closed.filter(Boolean).length, rows.length),
    closure_accuracy: share(closed.filter((c, i) => c === goldClosed[i]).length, rows.length),
    false_closures: closed.filter((c, i) => c && !goldClosed[i]).length,
    mean_rho: share(
      rhos.reduce((sum, rho) => sum + rho, 0),
      rows.length,
    ),
    rho_agreement: share(rows.filter((a, i) => Math.abs(rhos[i]! - goldRho(a)) < 1e-6).length, rows.length),
  };
}

export function goldRho(action: ActionResult): number {
  if (action.tampered) return 0;
  const { expected_receipts, lost } = action.gold;
  return expected_receipts.length === 0
    ? 1
    : (expected_receipts.length - lost.length) / expected_receipts.length;
}

function familyScore(family: RuntimeFamily, rows: readonly ActionResult[]): FamilyScore {
  const [completeness] = completenessMetrics(rows.map((a) => ({ family, rho: a.bundle?.rho ?? null })));
  const sameList = (a: readonly string[], b: readonly string[]) => a.join() === b.join();
  return {
    family,
    actions: rows.length,
    route_accuracy: share(rows.filter((a) => a.bundle?.route === a.gold.route).length, rows.length),
    mean_rho: round(completeness?.mean_rho ?? null),
    complete_share: round(completeness?.complete_share ?? null),
    expected_agreement: share(
      rows.filter((a) => a.bundle !== null && sameList(a.bundle.expected, a.gold.expected_receipts)).length,
      rows.length,
    ),
    rho_agreement: share(
      rows.filter((a) => !a.tampered && a.bundle !== null && Math.abs(a.bundle.rho - goldRho(a)) < 1e-6)
        .length,
      rows.filter((a) => !a.tampered).length,
    ),
  };
}

function rounded(metrics: RouteMetrics): RouteMetrics {
  return {
    ...metrics,
    accuracy: round(metrics.accuracy),
    macro_f1: round(metrics.macro_f1),
    severe_recall: round(metrics.severe_recall),
    review_recall: round(metrics.review_recall),
    review_precision: round(metrics.review_precision),
    benign_fp_rate: round(metrics.benign_fp_rate),
  };
}

function share(part: number, whole: number): number | null {
  return round(ratio(part, whole));
}
