// SQL checks record their results with one INSERT (verifier/checks/table-check.ts): each row must be what
// toCheckResult makes of the same problems — passes with no detail, failures with the first five problems in
// order and a count of the rest — for bundles and for sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  sessionSubject,
  toCheckResult,
  type CheckResult,
  type SubjectProblems,
} from '../../verifier/checks/check.js';
import { perBundleCheck, perSessionCheck } from '../../verifier/checks/table-check.js';
import { Database } from '../../verifier/database.js';
import { createTables } from '../../verifier/tables.js';

/** `problems` for f0 … f(n-1), in an order the check must not keep: it sorts them. */
const PROBLEM_COUNTS = [0, 1, 5, 6, 12];

describe('SQL checks', () => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open();
    await createTables(db);
    await db.run(`INSERT INTO bundles (file, session_id, action_id)
                  SELECT 'f' || i, 's' || i, 'a' || i FROM range(${PROBLEM_COUNTS.length}) t(i)`);
    await db.run(`CREATE TABLE found AS
                  SELECT 'f' || i AS file, 's' || i AS session_id, format('problem {} ''quoted''', lpad(j::VARCHAR, 2, '0')) AS problem
                  FROM (VALUES ${PROBLEM_COUNTS.map((n, i) => `(${i}, ${n})`).join(', ')}) c(i, n), range(100) r(j)
                  WHERE j < n ORDER BY random()`);
  });
  afterAll(() => db.close());

  const expected = (
    check: 'receipt_chain' | 'session_chain',
    subject: (i: number) => Omit<SubjectProblems, 'problems'>,
  ): CheckResult[] =>
    PROBLEM_COUNTS.map((n, i) =>
      toCheckResult(check, {
        ...subject(i),
        problems: Array.from({ length: n }, (_, j) => `problem ${String(j).padStart(2, '0')} 'quoted'`),
      }),
    );

  it('records per bundle what toCheckResult makes of its problems', async () => {
    await perBundleCheck('receipt_chain', 'SELECT file, problem FROM found').record(db);
    const rows = await db.rows<CheckResult>(
      `SELECT * FROM checks WHERE check_name = 'receipt_chain' ORDER BY subject`,
    );
    expect(rows).toEqual(
      expected('receipt_chain', (i) => ({
        subject: `f${i}`,
        file: `f${i}`,
        session_id: `s${i}`,
        action_id: `a${i}`,
      })),
    );
    expect(rows.at(-1)!.detail).toMatch(/; … and 7 more$/);
  });

  it('records per session what toCheckResult makes of its problems', async () => {
    await perSessionCheck('session_chain', 'SELECT session_id, problem FROM found').record(db);
    const rows = await db.rows<CheckResult>(
      `SELECT * FROM checks WHERE check_name = 'session_chain' ORDER BY subject`,
    );
    expect(rows).toEqual(
      expected('session_chain', (i) => ({
        subject: sessionSubject(`s${i}`),
        file: null,
        session_id: `s${i}`,
        action_id: null,
      })),
    );
  });
});
