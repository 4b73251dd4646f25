// The DuckDB index of the bundle files (`bundle_index`, `seal_index`): derived from the files, so a row that is
// late or missing is healed the next time the store reads the file. Inside `deferred()` (one assembler step)
// rows are queued and written together in one transaction at its end, instead of one committed (and fsynced)
// INSERT per bundle, which was most of the time a step spent writing bundles.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

import type { ActionProof, BundleDigest, SessionSeal, Statement } from '../schemas/bundle.js';

interface StoredFile {
  sequence: number;
  actionId: string;
  digest: BundleDigest;
  path: string;
}

interface Row {
  table: 'bundle_index' | 'seal_index';
  /** The primary key, as text: rows queued twice (a file read twice in one step) are written once. */
  key: string;
  values: DuckDBValue[];
}

const DDL = [
  `CREATE TABLE IF NOT EXISTS bundle_index (
    session_id VARCHAR NOT NULL,
    sequence INTEGER NOT NULL,
    action_id VARCHAR NOT NULL,
    digest VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    runtime_family VARCHAR NOT NULL,
    turn_id VARCHAR,
    tool_name VARCHAR,
    route VARCHAR,
    enforceability VARCHAR,
    outcome VARCHAR NOT NULL,
    rho DOUBLE NOT NULL,
    completeness_verdict VARCHAR NOT NULL,
    previous_bundle VARCHAR,
    PRIMARY KEY (session_id, sequence)
  )`,
  `CREATE TABLE IF NOT EXISTS seal_index (
    session_id VARCHAR PRIMARY KEY,
    digest VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    count INTEGER NOT NULL,
    merkle_root VARCHAR NOT NULL,
    observation_count INTEGER NOT NULL,
    reason VARCHAR NOT NULL
  )`,
];

const COLUMNS = { bundle_index: 14, seal_index: 7 } as const;
/** Rows per INSERT statement, which keeps the statement's parameter count modest. */
const ROWS_PER_STATEMENT = 200;

export class BundleIndex {
  /** Rows not written yet; null outside deferred(), where every row is written at once. */
  private pending: Row[] | null = null;
  /** Sessions with queued bundle_index rows. */
  private readonly pendingActionsOf = new Set<string>();

  private constructor(private readonly db: DuckDBConnection) {}

  static async open(db: DuckDBConnection): Promise<BundleIndex> {
    for (const ddl of DDL) await db.run(ddl);
    return new BundleIndex(db);
  }

  addAction(bundle: StoredFile, statement: Statement<ActionProof>): Promise<void> {
    const { summary, verification, manifest } = statement.predicate;
    return this.add(
      {
        table: 'bundle_index',
        key: `${summary.session_id}\u0000${bundle.sequence}`,
        values: [
          summary.session_id,
          bundle.sequence,
          bundle.actionId,
          bundle.digest,
          bundle.path,
          summary.runtime_family,
          summary.turn_id,
          summary.tool_name,
          summary.route,
          summary.enforceability,
          summary.outcome,
          summary.completeness.rho,
          verification.completeness_verdict,
          manifest.previous_bundle,
        ],
      },
      summary.session_id,
    );
  }

  addSeal(path: string, digest: BundleDigest, seal: SessionSeal): Promise<void> {
    return this.add(
      {
        table: 'seal_index',
        key: seal.session_id,
        values: [
          seal.session_id,
          digest,
          path,
          seal.count,
          seal.merkle_root,
          seal.observations.count,
          seal.reason,
        ],
      },
      seal.session_id,
    );
  }

  /** Runs `work` with rows queued, then writes them all, whether or not `work` succeeded (the files exist). */
  async deferred<T>(work: () => Promise<T>): Promise<T> {
    if (this.pending !== null) return work();
    this.pending = [];
    try {
      return await work();
    } finally {
      const rows = this.pending;
      this.pending = null;
      this.pendingActionsOf.clear();
      await this.write(rows);
    }
  }

  /** Writes the queued rows now if any is of this session: its seal must never be on disk before them, or a
   * crash in between would leave action rows that no later read heals (a sealed session's chain is not read). */
  async writeQueuedOf(sessionId: string): Promise<void> {
    if (this.pending === null || !this.pendingActionsOf.has(sessionId)) return;
    const rows = this.pending;
    this.pending = [];
    this.pendingActionsOf.clear();
    await this.write(rows);
  }

  private async add(row: Row, sessionId: string): Promise<void> {
    if (this.pending === null) return this.write([row]);
    this.pending.push(row);
    if (row.table === 'bundle_index') this.pendingActionsOf.add(sessionId);
  }

  private async write(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    // The first row of a key wins, as it would with one INSERT … ON CONFLICT DO NOTHING per row.
    const firstOfKey = new Map<string, Row>();
    for (const row of rows)
      if (!firstOfKey.has(`${row.table}\u0000${row.key}`))
        firstOfKey.set(`${row.table}\u0000${row.key}`, row);
    const unique = [...firstOfKey.values()];
    await this.db.run('BEGIN TRANSACTION');
    try {
      for (const table of ['bundle_index', 'seal_index'] as const) {
        const ofTable = unique.filter((row) => row.table === table);
        for (let start = 0; start < ofTable.length; start += ROWS_PER_STATEMENT)
          await this.insert(table, ofTable.slice(start, start + ROWS_PER_STATEMENT));
      }
      await this.db.run('COMMIT');
    } catch (error) {
      await this.db.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private async insert(table: Row['table'], rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const width = COLUMNS[table];
    const tuples = rows.map(
      (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`,
    );
    await this.db.run(
      `INSERT INTO ${table} VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`,
      rows.flatMap((row) => row.values),
    );
  }
}
