-- Approvals by source, enforceability class and decision
SELECT source,
       enforceability,
       decision,
       count(*)::INTEGER AS approvals,
       count(DISTINCT session_id)::INTEGER AS sessions
FROM approvals
GROUP BY source, enforceability, decision
ORDER BY source, enforceability, decision;
