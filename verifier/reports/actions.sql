-- Every action in time order, one row each: what ran, the guard's route and rule, approvals, receipts, ρ and whether its evidence verified (the SIEM export, and the HTML timeline)
WITH guard AS (
  SELECT file, facts->>'$.deciding_rule' AS rule, facts->>'$.reason' AS reason
  FROM receipts WHERE checkpoint = 'admissibility' AND status = 'present'
), approved AS (
  SELECT file,
         string_agg(DISTINCT decision, ', ' ORDER BY decision) AS approval,
         list(DISTINCT approver ORDER BY approver) FILTER (WHERE approver IS NOT NULL) AS approvers
  FROM approvals GROUP BY file
), receipts_present AS (
  SELECT file, list(checkpoint ORDER BY receipt_index) FILTER (WHERE status = 'present') AS present
  FROM receipts GROUP BY file
)
SELECT b.started_at,
       b.ended_at,
       b.session_id,
       b.turn_id,
       b.action_id,
       b.sequence,
       b.runtime_family,
       b.tool_name,
       b.route,
       b.enforceability,
       b.outcome,
       g.rule,
       g.reason,
       a.approval,
       coalesce(a.approvers, []) AS approvers,
       coalesce(r.present, []) AS receipts,
       c.missing,
       c.rho,
       c.receipts_rho,
       c.verified,
       b.policy_digest,
       b.digest AS bundle_digest,
       b.file
FROM bundles b
JOIN action_completeness c ON c.file = b.file
LEFT JOIN guard g ON g.file = b.file
LEFT JOIN approved a ON a.file = b.file
LEFT JOIN receipts_present r ON r.file = b.file
ORDER BY coalesce(b.started_at, b.ended_at) NULLS LAST, b.session_id, b.sequence, b.file;
