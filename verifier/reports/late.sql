-- Records per session that arrived after their action was bundled (counted in the seal, in no bundle)
-- An action is bundled once it closed and its session went quiet for the settle time; a record of it that
-- arrives later is kept for the seal's observation count and never re-bundled (a signed bundle is final).
-- At the default settle time this should be rare: a high count says the runtime's telemetry lags the hooks.
SELECT s.session_id,
       s.runtime_family,
       s.bundle_count AS actions,
       s.observation_count AS records,
       s.late_records,
       round(s.late_records / greatest(s.observation_count, 1), 4) AS late_share,
       s.reason AS sealed
FROM seals s
ORDER BY s.late_records DESC, s.session_id;
