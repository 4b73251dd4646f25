-- Authority creep: each change of Codex's approval and sandbox policy and of the policy digest, per session and between sessions, by runtime time; relaxations flagged
-- Values come from each action bundle: approval_policy and sandbox_policy from its assumption receipt (the
-- session's codex.conversation_starts in force), policy_digest from its manifest. Permissiveness, least first:
-- approval untrusted < on-request < on-failure < never; sandbox read-only < workspace-write < danger-full-access.
-- A move up is a relaxation, down a tightening; a digest change, or a value outside the order, is a change.
-- Within a session each action is compared with the one before it; between sessions, sessions in order of
-- their first action, a session's first value with the last value of the session before.
WITH actions AS (
  SELECT b.session_id, b.action_id, b.sequence, b.started_at, b.started_at AS happened,
         r.facts->>'$.approval_policy' AS approval_policy,
         r.facts->>'$.sandbox_policy' AS sandbox_policy,
         b.policy_digest
  FROM bundles b
  LEFT JOIN receipts r ON r.file = b.file AND r.checkpoint = 'assumption' AND r.status = 'present'
), settings AS (
  -- Unknown values (no config record, no guard decision) drop out here: they neither change nor relax.
  UNPIVOT actions ON approval_policy, sandbox_policy, policy_digest INTO NAME setting VALUE value
), ranked AS (
  SELECT *,
         row_number() OVER (PARTITION BY session_id, setting ORDER BY happened, sequence) AS nth,
         row_number() OVER (PARTITION BY session_id, setting ORDER BY happened DESC, sequence DESC) AS nth_from_end
  FROM settings
), within_session AS (
  SELECT 'session' AS scope, session_id, action_id, started_at, happened, setting,
         lag(value) OVER (PARTITION BY session_id, setting ORDER BY happened, sequence) AS before,
         value AS after, NULL AS previous_session
  FROM ranked
), session_bounds AS (
  SELECT f.session_id, f.action_id, f.started_at, f.happened, f.setting, f.value AS first_value, l.value AS last_value
  FROM ranked f JOIN ranked l ON l.session_id = f.session_id AND l.setting = f.setting AND l.nth_from_end = 1
  WHERE f.nth = 1
), between_sessions AS (
  SELECT 'between sessions' AS scope, session_id, action_id, started_at, happened, setting,
         lag(last_value) OVER (PARTITION BY setting ORDER BY happened, session_id) AS before,
         first_value AS after,
         lag(session_id) OVER (PARTITION BY setting ORDER BY happened, session_id) AS previous_session
  FROM session_bounds
), changes AS (
  SELECT * FROM within_session WHERE before IS NOT NULL AND before <> after
  UNION ALL
  SELECT * FROM between_sessions WHERE before IS NOT NULL AND before <> after
), permissiveness(setting, value, rank) AS (
  VALUES ('approval_policy', 'untrusted', 0), ('approval_policy', 'on-request', 1),
         ('approval_policy', 'on-failure', 2), ('approval_policy', 'never', 3),
         ('sandbox_policy', 'read-only', 0), ('sandbox_policy', 'workspace-write', 1),
         ('sandbox_policy', 'danger-full-access', 2)
)
SELECT c.started_at AS changed_at,
       c.scope,
       c.session_id,
       c.action_id,
       c.setting,
       c.before,
       c.after,
       CASE WHEN pb.rank IS NULL OR pa.rank IS NULL THEN 'changed'
            WHEN pa.rank > pb.rank THEN 'relaxed'
            ELSE 'tightened' END AS direction,
       coalesce(pa.rank > pb.rank, false) AS relaxed,
       c.previous_session
FROM changes c
LEFT JOIN permissiveness pb ON pb.setting = c.setting AND pb.value = c.before
LEFT JOIN permissiveness pa ON pa.setting = c.setting AND pa.value = c.after
ORDER BY c.happened, c.scope DESC, c.session_id, c.setting;
