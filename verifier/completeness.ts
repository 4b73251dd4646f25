// Receipt completeness recomputed in SQL from the receipts themselves (ARCHITECTURE.md §5): per action, then per
// session, per runtime family and overall. ρ is read from `bundles`, `receipts` and `expected_receipts`, never
// from the ρ a bundle claims (that one is `rho_claimed`, for comparison). Evidence that failed verification
// counts, and counts as nothing: a bundle with a failed check, every bundle of a session with a failed session
// or log check, a record that could not be read as a bundle at all, a sealed session the transparency log
// knows but whose seal is gone, and a seal whose bundles are not all here are each an action with ρ = 0,
// `verified` false (`unverifiable` in the rollups). Failing verification never makes the figures look better.
import type { Database } from './database.js';

// ρ is rounded to 6 decimals exactly like schemas/completeness.ts, so equal inputs give equal numbers.
const ACTION_COMPLETENESS = `
CREATE OR REPLACE VIEW action_completeness AS
WITH expected AS (
  SELECT b.file, e.checkpoint
  FROM bundles b
  JOIN expected_receipts e ON e.runtime_family = b.runtime_family AND e.refused = (b.outcome = 'blocked')
                          AND e.gated = (coalesce(b.route, '') = 'approval_gate')
), observed AS (
  SELECT DISTINCT file, checkpoint FROM receipts WHERE status = 'present'
), per_action AS (
  SELECT b.file,
         count(e.checkpoint) AS expected_count,
         count(o.checkpoint) AS observed_count,
         coalesce(list(e.checkpoint ORDER BY e.checkpoint) FILTER (WHERE e.checkpoint IS NOT NULL AND o.checkpoint IS NULL), []) AS missing
  FROM bundles b
  LEFT JOIN expected e ON e.file = b.file
  LEFT JOIN observed o ON o.file = e.file AND o.checkpoint = e.checkpoint
  GROUP BY b.file
), failed AS (
  SELECT DISTINCT file, session_id, file IS NULL AS of_session FROM checks WHERE status = 'fail'
), scored AS (
  SELECT b.file, b.session_id, b.action_id, b.runtime_family, b.outcome,
         p.expected_count, p.observed_count, p.missing,
         CASE WHEN p.expected_count = 0 THEN 1.0 ELSE round(p.observed_count / p.expected_count, 6) END AS receipts_rho,
         b.rho_claimed,
         NOT EXISTS (SELECT 1 FROM failed f
                     WHERE f.file = b.file OR (f.of_session AND f.session_id = b.session_id)) AS verified
  FROM bundles b JOIN per_action p ON p.file = b.file
)
SELECT file, session_id, action_id, runtime_family, outcome, expected_count, observed_count, missing,
       CASE WHEN verified THEN receipts_rho ELSE 0.0 END AS rho, receipts_rho, rho_claimed, verified
FROM scored
UNION ALL
-- Records that are not readable bundles (nor seals), and leaves whose seal is gone: an action of unknown
-- family each, of which nothing can be shown.
SELECT DISTINCT f.file, f.session_id, NULL, 'unknown', NULL, 0, 0, [], 0.0, 0.0, NULL, false
FROM failed f
WHERE f.file IS NOT NULL AND f.file NOT IN (SELECT file FROM bundles) AND f.file NOT IN (SELECT file FROM seals)
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
