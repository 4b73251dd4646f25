// Receipt completeness recomputed in SQL from the receipts themselves (ARCHITECTURE.md §5): per action, then per
// session, per runtime family and overall. The views read only `bundles`, `receipts` and `expected_receipts`,
// never the ρ a bundle claims (that one is `rho_claimed`, for comparison).
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
)
SELECT b.file, b.session_id, b.action_id, b.runtime_family, b.outcome,
       p.expected_count, p.observed_count, p.missing,
       CASE WHEN p.expected_count = 0 THEN 1.0 ELSE round(p.observed_count / p.expected_count, 6) END AS rho,
       b.rho_claimed
FROM bundles b JOIN per_action p ON p.file = b.file`;

function rollup(name: string, keys: string[]): string {
  const select = keys.map((k) => `${k}, `).join('');
  const group = keys.length > 0 ? `GROUP BY ${keys.join(', ')}` : '';
  return `
CREATE OR REPLACE VIEW ${name} AS
SELECT ${select}count(*)::INTEGER AS actions,
       coalesce(round(avg(rho), 6), 1.0) AS mean_rho,
       count(*) FILTER (WHERE rho = 1)::INTEGER AS complete_actions,
       coalesce(round(count(*) FILTER (WHERE rho = 1) / nullif(count(*), 0), 6), 1.0) AS complete_share
FROM action_completeness ${group}`;
}

/** With no action bundles at all nothing was expected, so the overall figures are 1 (as for one such action). */
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
}

export interface CompletenessReport {
  overall: CompletenessFigures;
  by_family: (CompletenessFigures & { runtime_family: string })[];
  by_session: (CompletenessFigures & { session_id: string; runtime_family: string })[];
}

export async function completenessReport(db: Database): Promise<CompletenessReport> {
  const [overall] = await db.rows<CompletenessFigures>('SELECT * FROM completeness_overall');
  return {
    overall: overall!,
    by_family: await db.rows('SELECT * FROM completeness_by_family ORDER BY runtime_family'),
    by_session: await db.rows('SELECT * FROM completeness_by_session ORDER BY session_id'),
  };
}
