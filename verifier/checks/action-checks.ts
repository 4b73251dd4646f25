// Per-action recomputations in SQL: the receipt hash chain, receipt completeness, and the route.
import { perBundleCheck } from './table-check.js';

/** Each receipt's digest covers its content, links to the one before it, and sits at the index it claims. */
export const receiptChain = perBundleCheck(
  'receipt_chain',
  `WITH ordered AS (
     SELECT *, lag(digest) OVER (PARTITION BY file ORDER BY position) AS prior_digest FROM receipts
   ), found AS (
     SELECT file, unnest([
       CASE WHEN digest <> digest_recomputed THEN format('receipt {} ({}): digest does not match its content', position, checkpoint) END,
       CASE WHEN previous IS DISTINCT FROM prior_digest THEN format('receipt {} ({}): previous does not link to the receipt before it', position, checkpoint) END,
       CASE WHEN receipt_index <> position THEN format('receipt {} ({}) claims index {}', position, checkpoint, receipt_index) END
     ]) AS problem
     FROM ordered
   )
   SELECT file, problem FROM found WHERE problem IS NOT NULL`,
);

/** ρ recomputed from the receipts and schemas/completeness.ts (the action_completeness view) equals the claim. */
export const completeness = perBundleCheck(
  'completeness',
  `SELECT file,
          format('claims ρ = {} but its receipts give {} (missing: {})', rho_claimed, receipts_rho,
                 CASE WHEN len(missing) = 0 THEN 'none' ELSE array_to_string(missing, ', ') END) AS problem
   FROM action_completeness
   WHERE abs(receipts_rho - rho_claimed) > 1e-9`,
);

/** The summary's route is the one the guard recorded in the admissibility receipt (when there is one). */
export const routeConsistency = perBundleCheck(
  'route_consistency',
  `SELECT b.file,
          format('summary route is {} but the admissibility receipt recorded {}',
                 coalesce(b.route, 'none'), coalesce(r.facts->>'$.route', 'none')) AS problem
   FROM bundles b
   JOIN receipts r ON r.file = b.file AND r.checkpoint = 'admissibility' AND r.status = 'present'
   WHERE (r.facts->>'$.route') IS DISTINCT FROM b.route`,
);
