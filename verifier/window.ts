// `proofline report --since/--until`: the report over the actions whose runtime time falls in [since, until).
// Everything is verified first (a chain or a seal cannot be half checked), then what lies outside the window
// is taken out of the tables, so every built-in, `--sql` query and export sees only the window. Kept in every
// window: actions with no runtime time at all (they cannot be placed, and dropping them could only make the
// window look cleaner), records that are not readable bundles, and failures of the data directory as a whole
// (the transparency log, misplaced files). A session keeps its seal while any of its actions is in the window;
// the bundles taken out are listed in `window_excluded`, so a seal is not mistaken for one missing bundles.
import type { Database } from './database.js';
import { VerifierError } from './errors.js';

export interface TimeWindow {
  since?: string;
  until?: string;
}

// A date (midnight UTC) or a date and time with its zone: a bound without one would depend on where it ran.
const BOUND = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The bound as an ISO instant in UTC; throws BAD_TIME naming the option. */
export function parseBound(option: string, text: string): string {
  const ms = BOUND.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new VerifierError(
      'BAD_TIME',
      `${option} ${JSON.stringify(text)}: give a date (2026-11-21, midnight UTC) or a time with its zone (2026-11-21T10:00:00Z)`,
    );
  return new Date(ms).toISOString();
}

/** The window's bounds as ISO instants (null: open), checked before anything is loaded. */
export function parseWindow(window: TimeWindow): { since: string | null; until: string | null } {
  return {
    since: window.since === undefined ? null : parseBound('--since', window.since),
    until: window.until === undefined ? null : parseBound('--until', window.until),
  };
}

/** Drops the actions outside the window (and what hangs off them) from every table. */
export async function restrictToWindow(
  db: Database,
  { since, until }: ReturnType<typeof parseWindow>,
): Promise<void> {
  if (since === null && until === null) return;
  await db.run(
    `INSERT INTO window_excluded
     SELECT file, session_id FROM bundles
     WHERE coalesce(started_at, ended_at) < coalesce($since::TIMESTAMP, '-infinity'::TIMESTAMP)
        OR coalesce(started_at, ended_at) >= coalesce($until::TIMESTAMP, 'infinity'::TIMESTAMP)`,
    { since, until },
  );
  const excluded = 'SELECT file FROM window_excluded';
  for (const table of [
    'bundles',
    'receipts',
    'slice_roots',
    'slice_nodes',
    'slice_edges',
    'slice_frontier',
    'approvals',
    'obligations',
  ])
    await db.run(`DELETE FROM ${table} WHERE file IN (${excluded})`);
  await db.run(`DELETE FROM checks WHERE file IN (${excluded})`);
  // Sessions with nothing left in the window go whole: their seals and their session-level results.
  const gone = `SELECT session_id FROM window_excluded EXCEPT SELECT session_id FROM bundles`;
  await db.run(
    `DELETE FROM checks WHERE session_id IN (${gone}) AND (file IS NULL OR file IN (SELECT file FROM seals WHERE session_id IN (${gone})))`,
  );
  await db.run(`DELETE FROM seal_obligations WHERE session_id IN (${gone})`);
  await db.run(`DELETE FROM seals WHERE session_id IN (${gone})`);
}
