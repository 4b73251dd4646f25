-- Blocked actions with the guard's reason and the rule that decided
SELECT b.session_id,
       b.action_id,
       b.tool_name,
       b.route,
       r.facts->>'$.reason' AS reason,
       coalesce(r.facts->>'$.deciding_rule', r.facts->>'$.matched_rules[0]') AS rule,
       b.started_at
FROM bundles b
LEFT JOIN receipts r ON r.file = b.file AND r.checkpoint = 'admissibility' AND r.status = 'present'
WHERE b.outcome = 'blocked'
ORDER BY b.session_id, b.sequence;
