-- Tool calls that ran with no guard (admissibility) receipt: hook bypassed, failing or not trusted, or a runtime without one; and evidence that failed verification, which shows nothing either way
WITH unverified AS (
  SELECT file, session_id, action_id, runtime_family FROM action_completeness WHERE NOT verified
)
SELECT b.session_id,
       b.action_id,
       b.runtime_family,
       b.tool_name,
       b.outcome,
       CASE WHEN e.checkpoint IS NULL THEN 'runtime has no pre-execution guard'
            ELSE 'guard receipt missing: hook bypassed, failed or not trusted' END AS why,
       b.started_at
FROM bundles b
LEFT JOIN expected_receipts e
       ON e.runtime_family = b.runtime_family AND NOT e.refused AND NOT e.gated AND e.checkpoint = 'admissibility'
WHERE b.file NOT IN (SELECT file FROM unverified)
  AND (b.outcome IN ('succeeded', 'failed')
       OR EXISTS (SELECT 1 FROM receipts o WHERE o.file = b.file AND o.checkpoint = 'open' AND o.status = 'present'))
  AND NOT EXISTS (SELECT 1 FROM receipts g
                  WHERE g.file = b.file AND g.checkpoint = 'admissibility' AND g.status = 'present')
UNION ALL
SELECT u.session_id,
       u.action_id,
       u.runtime_family,
       b.tool_name,
       b.outcome,
       'unverifiable: its evidence failed verification (' || u.file || ')' AS why,
       b.started_at
FROM unverified u LEFT JOIN bundles b ON b.file = u.file
ORDER BY why, session_id, action_id;
