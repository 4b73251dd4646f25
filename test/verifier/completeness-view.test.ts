// The action_completeness view (verifier/completeness.ts) against schemas/completeness.ts, the definition it
// recomputes: for any bundles and receipts, including duplicated, absent and unknown checkpoints, outcomes and
// routes the table does not name, and failed checks on files and sessions, every action's expected and
// observed counts, missing list, ρ and `verified` are what the TypeScript definition gives.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CHECKPOINTS } from '../../schemas/bundle.js';
import { completenessRatio, expectedReceipts } from '../../schemas/completeness.js';
import { RUNTIME_FAMILIES, type RuntimeFamily } from '../../schemas/observation.js';
import { Database } from '../../verifier/database.js';
import { createTables } from '../../verifier/tables.js';

interface Action {
  family: RuntimeFamily | 'unknown_family';
  outcome: 'succeeded' | 'blocked' | 'failed' | null;
  route: 'allow' | 'approval_gate' | null;
  receipts: { checkpoint: string; status: 'present' | 'absent' }[];
  fileFailed: boolean;
}

const action: fc.Arbitrary<Action> = fc.record({
  family: fc.constantFrom(...RUNTIME_FAMILIES, 'unknown_family' as const),
  outcome: fc.constantFrom('succeeded' as const, 'blocked' as const, 'failed' as const, null),
  route: fc.constantFrom('allow' as const, 'approval_gate' as const, null),
  receipts: fc.array(
    fc.record({
      checkpoint: fc.constantFrom(...CHECKPOINTS, 'not_a_checkpoint'),
      status: fc.constantFrom('present' as const, 'absent' as const),
    }),
    { maxLength: 8 },
  ),
  fileFailed: fc.boolean(),
});

/** What schemas/completeness.ts says of one action; families it does not know expect nothing. */
function reference(a: Action): { expected: string[]; observed: number; missing: string[]; rho: number } {
  const refused = a.outcome === 'blocked';
  const gated = a.route === 'approval_gate';
  // SQL compares a null outcome with 'blocked' as unknown: no expectation row matches, nothing is expected.
  const expected =
    a.family === 'unknown_family' || a.outcome === null
      ? []
      : [...expectedReceipts(a.family, { refused, gated })].sort();
  const present = a.receipts.filter((r) => r.status === 'present').map((r) => r.checkpoint);
  const missing = expected.filter((c) => !present.includes(c));
  return {
    expected,
    observed: expected.length - missing.length,
    missing,
    rho: completenessRatio(expected as never[], present as never[]),
  };
}

/** Rows of text into some of a table's columns (the rest null), through a staging table. */
async function insert(
  db: Database,
  table: string,
  columns: string[],
  rows: (string | null)[][],
): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE staged (${columns.map((c) => `${c} VARCHAR`).join(', ')})`);
  await db.append('staged', rows);
  await db.run(`INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM staged`);
}

describe('action_completeness', () => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open();
  });
  afterAll(() => db.close());

  it('gives every action the counts, missing list, ρ and verified flag schemas/completeness.ts defines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(4), { maxLength: 2 }),
        async (actions, failedSessions) => {
          await createTables(db);
          const session = (i: number): string => `s${i % 5}`;
          await insert(
            db,
            'bundles',
            ['file', 'session_id', 'action_id', 'runtime_family', 'outcome', 'route', 'record'],
            actions.map((a, i) => [
              `f${i}`,
              session(i),
              `a${i}`,
              a.family,
              a.outcome,
              a.route,
              String(i + 1),
            ]),
          );
          await insert(
            db,
            'receipts',
            ['file', 'session_id', 'action_id', 'checkpoint', 'status', 'record'],
            actions.flatMap((a, i) =>
              a.receipts.map((r) => [`f${i}`, session(i), `a${i}`, r.checkpoint, r.status, String(i + 1)]),
            ),
          );
          await db.append('checks', [
            ...actions.flatMap((a, i) =>
              a.fileFailed
                ? [[`f${i}`, `f${i}`, session(i), `a${i}`, 'signature', 'fail', 'signature', '']]
                : [],
            ),
            ...failedSessions.map((s) => [
              `session:s${s}`,
              null,
              `s${s}`,
              null,
              'session_seal',
              'fail',
              null,
              '',
            ]),
          ]);
          const rows = await db.rows<{
            file: string;
            expected_count: number;
            observed_count: number;
            missing: string[];
            rho: number;
            receipts_rho: number;
            verified: boolean;
          }>('SELECT * FROM action_completeness ORDER BY file');
          expect(rows).toHaveLength(actions.length);
          const byFile = new Map(rows.map((r) => [r.file, r]));
          actions.forEach((a, i) => {
            const want = reference(a);
            const verified = !a.fileFailed && !failedSessions.includes(i % 5);
            expect(byFile.get(`f${i}`)).toMatchObject({
              expected_count: want.expected.length,
              observed_count: want.observed,
              missing: want.missing,
              receipts_rho: want.rho,
              rho: verified ? want.rho : 0,
              verified,
            });
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});
