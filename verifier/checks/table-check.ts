// Checks that are recomputations over the loaded tables. Each one is a query listing problems; every bundle
// (or session) without a problem passes, so the results cover every subject, not only the failing ones. A
// check written in SQL records its results with one INSERT: they never travel through JavaScript.
import type { Database } from '../database.js';
import { checkRow } from '../load.js';
import {
  SESSION_SUBJECT_PREFIX,
  SHOWN_PROBLEMS,
  sessionSubject,
  toCheckResult,
  type CheckName,
  type SubjectProblems,
} from './check.js';

export interface TableCheck {
  /** Adds a result per subject to the `checks` table. */
  record(db: Database): Promise<void>;
}

/** A check computed in TypeScript: its subjects' problems, recorded through toCheckResult. */
export function computedCheck(
  name: CheckName,
  evaluate: (db: Database) => Promise<SubjectProblems[]>,
): TableCheck {
  return {
    record: async (db) =>
      db.append(
        'checks',
        (await evaluate(db)).map((subject) => checkRow(toCheckResult(name, subject))),
      ),
  };
}

/** `problemsSql` yields `(file, problem)` rows; every action bundle gets a result. */
export function perBundleCheck(name: CheckName, problemsSql: string): TableCheck {
  return sqlCheck(
    name,
    `WITH problems(file, problem) AS (${problemsSql})
     SELECT b.file AS subject, b.file, b.session_id, b.action_id,
            coalesce(list(p.problem ORDER BY p.problem) FILTER (WHERE p.problem IS NOT NULL), []) AS problems
     FROM bundles b LEFT JOIN problems p ON p.file = b.file
     GROUP BY b.file, b.session_id, b.action_id`,
  );
}

/** The sessions any loaded bundle or seal belongs to. */
export const SESSIONS_SQL = 'SELECT session_id FROM bundles UNION SELECT session_id FROM seals';

/** `problemsSql` yields `(session_id, problem)` rows; every session gets a result. */
export function perSessionCheck(name: CheckName, problemsSql: string): TableCheck {
  return sqlCheck(
    name,
    `WITH problems(session_id, problem) AS (${problemsSql})
     SELECT '${SESSION_SUBJECT_PREFIX}' || s.session_id AS subject, NULL AS file, s.session_id, NULL AS action_id,
            coalesce(list(p.problem ORDER BY p.problem) FILTER (WHERE p.problem IS NOT NULL), []) AS problems
     FROM (${SESSIONS_SQL}) s LEFT JOIN problems p ON p.session_id = s.session_id
     GROUP BY s.session_id`,
  );
}

/** `subjectsSql` yields `(subject, file, session_id, action_id, problems)`: recorded as toCheckResult would. */
function sqlCheck(name: CheckName, subjectsSql: string): TableCheck {
  return {
    record: (db) =>
      db.run(
        `INSERT INTO checks
         SELECT subject, file, session_id, action_id, $name,
                CASE WHEN len(problems) = 0 THEN 'pass' ELSE 'fail' END,
                CASE WHEN len(problems) = 0 THEN NULL ELSE $name END,
                array_to_string(problems[1:${SHOWN_PROBLEMS}], '; ')
                  || CASE WHEN len(problems) > ${SHOWN_PROBLEMS}
                          THEN format('; … and {} more', len(problems) - ${SHOWN_PROBLEMS}) ELSE '' END
         FROM (${subjectsSql})`,
        { name },
      ),
  };
}

export function sessionProblems(sessionId: string, problems: string[]): SubjectProblems {
  return { subject: sessionSubject(sessionId), file: null, session_id: sessionId, action_id: null, problems };
}
