-- One row per session: runtime, actions, blocked, completeness, seal, and failed checks
WITH sessions AS (
  SELECT session_id FROM bundles UNION SELECT session_id FROM seals
)
SELECT s.session_id,
       c.runtime_family,
       coalesce(c.actions, 0) AS actions,
       (SELECT count(*) FROM bundles b WHERE b.session_id = s.session_id AND b.outcome = 'blocked')::INTEGER AS blocked,
       c.mean_rho,
       c.complete_share,
       (SELECT string_agg(reason, ', ') FROM seals x WHERE x.session_id = s.session_id) AS sealed,
       (SELECT count(*) FROM checks k WHERE k.session_id = s.session_id AND k.status = 'fail')::INTEGER AS failed_checks
FROM sessions s
LEFT JOIN completeness_by_session c ON c.session_id = s.session_id
ORDER BY s.session_id;
