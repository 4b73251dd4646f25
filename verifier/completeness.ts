// Receipt completeness recomputed in SQL from the receipts themselves (ARCHITECTURE.md §5): per action, then per
// session, per runtime family and overall. ρ is read from `bundles`, `receipts` and `expected_receipts`, never
// from the ρ a bundle claims (that one is `rho_claimed`, for comparison). Evidence that failed verification
// counts, and counts as nothing: a bundle with a failed check, every bundle of a session with a failed session
// or log check, a record that could not be read as a bundle at all, a sealed session the transparency log
// knows but whose seal is gone, and a seal whose bundles are not all here are each an action with ρ = 0,
// `verified` false (`unverifiable` in the rollups). Failing verification never makes the figures look better.
import type { Database } from './database.js';

// ρ is rounded to 6 decimals exactly like schemas/completeness.ts, so equal inputs give equal numbers.
// Checkpoints are bits: an action's expected ones are a mask per (family, refused, gated), its present ones a
// mask per bundle (its `record`, tables.ts), and the count it scores is the bits of both. Joining every
// expected checkpoint of every action against every receipt on text keys was most of the time (1M actions:
// 5M rows against 4M receipts).
// Only checkpoints some action is expected to show get a bit; no other receipt can count.
const ACTION_COMPLETENESS = `
CREATE OR REPLACE VIEW action_completeness AS
WITH bits AS (
  SELECT checkpoint, bit, 1::UBIGINT << bit AS mask
  FROM (SELECT checkpoint, (row_number() OVER (ORDER BY checkpoint) - 1)::UBIGINT AS bit
        FROM (SELECT DISTINCT checkpoint FROM expected_receipts))
), expected AS (
  SELECT e.runtime_family, e.refused, e.gated, list(e.checkpoint ORDER BY e.checkpoint) AS checkpoints,
         list(x.bit ORDER BY e.checkpoint) AS checkpoint_bits, bit_or(x.mask) AS mask
  FROM expected_receipts e JOIN bits x ON x.checkpoint = e.checkpoint
  GROUP BY e.runtime_family, e.refused, e.gated
), missing_by_mask AS (
  -- What each expectation misses for each set of present checkpoints, listed once (a few hundred rows for
  -- the handful of checkpoints) rather than filtered again for each action.
  SELECT e.runtime_family, e.refused, e.gated, m.present,
         list_filter(e.checkpoints, (c, i) -> (m.present >> e.checkpoint_bits[i]) & 1 = 0) AS missing
  FROM expected e, (SELECT range::UBIGINT AS present FROM range(1 << (SELECT count(*) FROM bits))) m
  WHERE m.present & e.mask = m.present
), observed AS (
  SELECT r.record, bit_or(x.mask) AS mask
  FROM receipts r JOIN bits x ON x.checkpoint = r.checkpoint
  WHERE r.status = 'present' GROUP BY r.record
), failed AS (
  SELECT DISTINCT file, session_id, file IS NULL AS of_session FROM checks WHERE status = 'fail'
), per_action AS (
  SELECT b.file, b.session_id, b.action_id, b.runtime_family, b.outcome, b.rho_claimed,
         coalesce(len(e.checkpoints), 0) AS expected_count,
         coalesce(bit_count(e.mask & coalesce(o.mask, 0::UBIGINT)), 0) AS observed_count,
         coalesce(m.missing, []) AS missing,
         ff.file IS NULL AND fs.session_id IS NULL AS verified
  FROM bundles b
  LEFT JOIN expected e ON e.runtime_family = b.runtime_family AND e.refused = (b.outcome = 'blocked')
                      AND e.gated = (coalesce(b.route, '') = 'approval_gate')
  LEFT JOIN observed o ON o.record = b.record
  LEFT JOIN missing_by_mask m ON m.runtime_family = e.runtime_family AND m.refused = e.refused
                             AND m.gated = e.gated AND m.present = coalesce(o.mask, 0::UBIGINT) & e.mask
  LEFT JOIN (SELECT DISTINCT file FROM failed WHERE file IS NOT NULL) ff ON ff.file = b.file
  LEFT JOIN (SELECT DISTINCT session_id FROM failed WHERE of_session) fs ON fs.session_id = b.session_id
), scored AS (
  SELECT *, CASE WHEN expected_count = 0 THEN 1.0 ELSE round(observed_count / expected_count, 6) END AS receipts_rho
  FROM per_action
)
SELECT file, session_id, action_id, runtime_family, outcome, expected_count, observed_count, missing,
       CASE WHEN verified THEN receipts_rho ELSE 0.0 END AS rho, receipts_rho, rho_claimed, verified
FROM scored
UNION ALL
-- Records that are not readable bundles (nor seals), and leaves whose seal is gone: an action of unknown
-- family each, of which nothing can be shown.
SELECT DISTINCT f.file, f.session_id, NULL, 'unknown', NULL, 0, 0, [], 0.0, 0.0, NULL, false
FROM failed f
WHERE f.file IS NOT NULL AND NOT EXISTS (SELECT 1 FROM bundles b WHERE b.file = f.file)
  AND NOT EXISTS (SELECT 1 FROM seals s WHERE s.file = f.file)
UNION ALL
SELECT c.subject, NULL, NULL, 'unknown', NULL, 0, 0, [], 0.0, 0.0, NULL, false
FROM checks c
WHERE c.check_name = 'log_inclusion' AND c.status = 'fail' AND c.subject LIKE 'tlog:%'
UNION ALL
-- A seal that covers more bundles than are here: the missing ones count (one row per session, whatever the
-- seal claims, so a forged count cannot inflate the table). Bundles a report's time window left out are here.
SELECT s.file, s.session_id, NULL, s.runtime_family, NULL, 0, 0, [], 0.0, 0.0, NULL, false
FROM seals s
WHERE s.bundle_count > (SELECT count(*) FROM bundles b WHERE b.session_id = s.session_id)
                     + (SELECT count(*) FROM window_excluded w WHERE w.session_id = s.session_id)`;

/** The figures of a group of action_completeness rows (the rollup views and completenessReport). */
const FIGURES = `count(*)::INTEGER AS actions,
       coalesce(round(avg(rho), 6), 1.0) AS mean_rho,
       count(*) FILTER (WHERE rho = 1)::INTEGER AS complete_actions,
       coalesce(round(count(*) FILTER (WHERE rho = 1) / nullif(count(*), 0), 6), 1.0) AS complete_share,
       count(*) FILTER (WHERE NOT verified)::INTEGER AS unverifiable`;

function rollup(name: string, keys: string[]): string {
  const select = keys.map((k) => `${k}, `).join('');
  const group = keys.length > 0 ? `GROUP BY ${keys.join(', ')}` : '';
  return `
CREATE OR REPLACE VIEW ${name} AS
SELECT ${select}${FIGURES}
FROM action_completeness ${group}`;
}

export const COMPLETENESS_VIEWS = [
  ACTION_COMPLETENESS,
  rollup('completeness_by_session', ['session_id', 'runtime_family']),
  rollup('completeness_by_family', ['runtime_family']),
  rollup('completeness_overall', []),
];

export interface CompletenessFigures {
  actions: number;
  mean_rho: number;
  complete_actions: number;
  complete_share: number;
  /** Actions (and unreadable records, and deleted sessions) whose evidence failed verification: ρ 0 each. */
  unverifiable: number;
}

export interface CompletenessReport {
  overall: CompletenessFigures;
  by_family: (CompletenessFigures & { runtime_family: string })[];
  by_session: (CompletenessFigures & { session_id: string; runtime_family: string })[];
}

/** The three rollups in one pass over action_completeness (the view is computed once, not once a rollup):
 * `level` 0 per session, 2 per family, 3 overall. The overall row is there even with no actions. */
export async function completenessReport(db: Database): Promise<CompletenessReport> {
  type Row = CompletenessFigures & { session_id: string; runtime_family: string; level: number };
  const rows = await db.rows<Row>(`
    SELECT session_id, runtime_family, grouping(session_id, runtime_family)::INTEGER AS level, ${FIGURES}
    FROM action_completeness
    GROUP BY GROUPING SETS ((session_id, runtime_family), (runtime_family), ())
    ORDER BY level, session_id, runtime_family`);
  const figures = ({ actions, mean_rho, complete_actions, complete_share, unverifiable }: Row) => ({
    actions,
    mean_rho,
    complete_actions,
    complete_share,
    unverifiable,
  });
  return {
    overall: figures(rows.find((r) => r.level === 3)!),
    by_family: rows
      .filter((r) => r.level === 2)
      .map((r) => ({ runtime_family: r.runtime_family, ...figures(r) })),
    by_session: rows
      .filter((r) => r.level === 0)
      .map((r) => ({ session_id: r.session_id, runtime_family: r.runtime_family, ...figures(r) })),
  };
}
