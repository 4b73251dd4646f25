-- Obligations with status, rule, due time, creating and discharging action, violated first (final statuses from the seal, else the latest bundle)
WITH stated AS (
  SELECT session_id, obligation_id, rule_id, status, due_at, duty, created_by, discharged_by,
         discharged_at, waived_by, 'seal' AS source, 1 AS from_seal, NULL AS sequence
  FROM seal_obligations
  UNION ALL
  SELECT o.session_id, o.obligation_id, o.rule_id, o.status, o.due_at, o.duty, o.created_by, o.discharged_by,
         o.discharged_at, o.waived_by, 'bundle ' || o.action_id, 0, b.sequence
  FROM obligations o JOIN bundles b ON b.file = o.file
), latest AS (
  -- An unsealed session's obligations are only as settled as its latest bundle that names them.
  SELECT * FROM stated
  QUALIFY row_number() OVER (PARTITION BY session_id, obligation_id ORDER BY from_seal DESC, sequence DESC) = 1
)
SELECT status,
       session_id,
       rule_id,
       due_at AS due,
       created_by,
       discharged_by,
       discharged_at,
       waived_by,
       duty,
       obligation_id,
       source
FROM latest
ORDER BY CASE status WHEN 'violated' THEN 0 WHEN 'open' THEN 1 WHEN 'discharged' THEN 2 ELSE 3 END,
         session_id, due_at NULLS LAST, obligation_id;
