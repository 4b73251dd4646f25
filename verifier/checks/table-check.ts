// Checks that are recomputations over the loaded tables. Each one is a query listing problems; every bundle
// (or session) without a problem passes, so the results cover every subject, not only the failing ones.
import type { Database } from '../database.js';
import { sessionSubject, type CheckName, type CheckResult } from './check.js';

export interface SubjectProblems {
  subject: string;
  file: string | null;
  session_id: string | null;
  action_id: string | null;
  problems: string[];
}

export interface TableCheck {
  name: CheckName;
  evaluate(db: Database): Promise<SubjectProblems[]>;
}

/** `problemsSql` yields `(file, problem)` rows; every action bundle gets a result. */
export function perBundleCheck(name: CheckName, problemsSql: string): TableCheck {
  return {
    name,
    evaluate: (db) =>
      db.rows<SubjectProblems>(`
        WITH problems(file, problem) AS (${problemsSql})
        SELECT b.file AS subject, b.file, b.session_id, b.action_id,
               coalesce(list(p.problem ORDER BY p.problem) FILTER (WHERE p.problem IS NOT NULL), []) AS problems
        FROM bundles b LEFT JOIN problems p ON p.file = b.file
        GROUP BY b.file, b.session_id, b.action_id
        ORDER BY b.file`),
  };
}

/** The sessions any loaded bundle or seal belongs to. */
export const SESSIONS_SQL = 'SELECT session_id FROM bundles UNION SELECT session_id FROM seals';

/** `problemsSql` yields `(session_id, problem)` rows; every session gets a result. */
export function perSessionCheck(name: CheckName, problemsSql: string): TableCheck {
  return {
    name,
    evaluate: async (db) =>
      (
        await db.rows<{ session_id: string; problems: string[] }>(`
          WITH problems(session_id, problem) AS (${problemsSql})
          SELECT s.session_id,
                 coalesce(list(p.problem ORDER BY p.problem) FILTER (WHERE p.problem IS NOT NULL), []) AS problems
          FROM (${SESSIONS_SQL}) s LEFT JOIN problems p ON p.session_id = s.session_id
          GROUP BY s.session_id
          ORDER BY s.session_id`)
      ).map((row) => sessionProblems(row.session_id, row.problems)),
  };
}

export function sessionProblems(sessionId: string, problems: string[]): SubjectProblems {
  return { subject: sessionSubject(sessionId), file: null, session_id: sessionId, action_id: null, problems };
}

/** Long lists are cut so one broken bundle does not bury the report; the count says what was left out. */
const SHOWN_PROBLEMS = 5;

export function toCheckResult(name: CheckName, { problems, ...subject }: SubjectProblems): CheckResult {
  const shown = problems.slice(0, SHOWN_PROBLEMS).join('; ');
  const more = problems.length > SHOWN_PROBLEMS ? `; … and ${problems.length - SHOWN_PROBLEMS} more` : '';
  return problems.length === 0
    ? { ...subject, check_name: name, status: 'pass', code: null, detail: '' }
    : { ...subject, check_name: name, status: 'fail', code: name, detail: shown + more };
}
