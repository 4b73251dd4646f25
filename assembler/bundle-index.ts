// The DuckDB index of the segments (`bundle_index`, `seal_index`, and how far each segment has been read,
// `segment_index`): derived from the segments, so rows that are late or missing are rebuilt from them on the
// next open. Rows are queued and written in one transaction per commit, together with how far the segments
// are indexed, so the index never claims a record it has no row for.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

import type { ActionProof, BundleDigest, SessionSeal, Statement } from '../schemas/bundle.js';
import type { SegmentPosition } from '../schemas/segment.js';

/** Where a record is, as the index and the verifier name it: `segments/000003.jsonl:17`. */
export type Location = string;

export interface IndexedBundle {
  sequence: number;
  actionId: string;
  digest: BundleDigest;
  location: Location;
}

export interface IndexedSeal {
  digest: BundleDigest;
  location: Location;
  count: number;
}

interface Row {
  table: 'bundle_index' | 'seal_index';
  /** The primary key, as text: a row queued twice is written once. */
  key: string;
  values: DuckDBValue[];
}

const DDL = [
  `CREATE TABLE IF NOT EXISTS bundle_index (
    session_id VARCHAR NOT NULL,
    sequence INTEGER NOT NULL,
    action_id VARCHAR NOT NULL,
    digest VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
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
    location VARCHAR NOT NULL,
    count INTEGER NOT NULL,
    merkle_root VARCHAR NOT NULL,
    observation_count INTEGER NOT NULL,
    reason VARCHAR NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS segment_index (
    segment INTEGER PRIMARY KEY,
    indexed_bytes BIGINT NOT NULL,
    indexed_lines INTEGER NOT NULL
  )`,
];

const COLUMNS = { bundle_index: 14, seal_index: 7 } as const;
/** Rows per INSERT statement, which keeps the statement's parameter count modest. */
const ROWS_PER_STATEMENT = 200;

export function locationOf(position: Pick<SegmentPosition, 'segment' | 'line'>): Location {
  return `segments/${String(position.segment).padStart(6, '0')}.jsonl:${position.line}`;
}

export class BundleIndex {
  private pending: Row[] = [];
  /** Per segment, how far the queued rows reach. */
  private readonly reached = new Map<number, { bytes: number; lines: number }>();

  private constructor(private readonly db: DuckDBConnection) {}

  static async open(db: DuckDBConnection): Promise<BundleIndex> {
    for (const ddl of DDL) await db.run(ddl);
    return new BundleIndex(db);
  }

  /** Per segment, how far the index has read it. */
  async indexed(): Promise<Map<number, { bytes: number; lines: number }>> {
    const rows = await this.db.runAndReadAll('SELECT * FROM segment_index');
    return new Map(
      rows
        .getRowObjects()
        .map((r) => [Number(r.segment), { bytes: Number(r.indexed_bytes), lines: Number(r.indexed_lines) }]),
    );
  }

  async chainOf(sessionId: string): Promise<IndexedBundle[]> {
    const rows = await this.db.runAndReadAll(
      'SELECT sequence, action_id, digest, location FROM bundle_index WHERE session_id = $1 ORDER BY sequence',
      [sessionId],
    );
    return rows.getRowObjects().map((r) => ({
      sequence: Number(r.sequence),
      actionId: String(r.action_id),
      digest: String(r.digest),
      location: String(r.location),
    }));
  }

  async sealOf(sessionId: string): Promise<IndexedSeal | null> {
    const rows = await this.db.runAndReadAll(
      'SELECT digest, location, count FROM seal_index WHERE session_id = $1',
      [sessionId],
    );
    const row = rows.getRowObjects()[0];
    return row
      ? { digest: String(row.digest), location: String(row.location), count: Number(row.count) }
      : null;
  }

  /** Queues the row of an action bundle read at `position`. */
  addAction(position: SegmentPosition, digest: BundleDigest, statement: Statement<ActionProof>): void {
    const { summary, verification, manifest } = statement.predicate;
    this.queue(position, {
      table: 'bundle_index',
      key: `${summary.session_id}\u0000${manifest.sequence}`,
      values: [
        summary.session_id,
        manifest.sequence,
        summary.action_id,
        digest,
        locationOf(position),
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
    });
  }

  addSeal(position: SegmentPosition, digest: BundleDigest, seal: SessionSeal): void {
    this.queue(position, {
      table: 'seal_index',
      key: seal.session_id,
      values: [
        seal.session_id,
        digest,
        locationOf(position),
        seal.count,
        seal.merkle_root,
        seal.observations.count,
        seal.reason,
      ],
    });
  }

  /** Records that a segment was read this far without a row to add (a record that is not a bundle). */
  passed(position: SegmentPosition): void {
    this.advance(position);
  }

  /** Writes every queued row, and how far the segments are indexed, in one transaction. */
  async flush(): Promise<void> {
    if (this.pending.length === 0 && this.reached.size === 0) return;
    const rows = this.pending;
    const reached = [...this.reached];
    this.pending = [];
    this.reached.clear();
    // The first row of a key wins, as it would with one INSERT … ON CONFLICT DO NOTHING per row.
    const firstOfKey = new Map<string, Row>();
    for (const row of rows) {
      const key = `${row.table}\u0000${row.key}`;
      if (!firstOfKey.has(key)) firstOfKey.set(key, row);
    }
    const unique = [...firstOfKey.values()];
    await this.db.run('BEGIN TRANSACTION');
    try {
      for (const table of ['bundle_index', 'seal_index'] as const) {
        const ofTable = unique.filter((row) => row.table === table);
        for (let start = 0; start < ofTable.length; start += ROWS_PER_STATEMENT)
          await this.insert(table, ofTable.slice(start, start + ROWS_PER_STATEMENT));
      }
      for (const [segment, { bytes, lines }] of reached)
        await this.db.run(
          `INSERT INTO segment_index VALUES ($1, $2, $3)
           ON CONFLICT (segment) DO UPDATE SET indexed_bytes = excluded.indexed_bytes, indexed_lines = excluded.indexed_lines`,
          [segment, bytes, lines],
        );
      await this.db.run('COMMIT');
    } catch (error) {
      await this.db.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private queue(position: SegmentPosition, row: Row): void {
    this.pending.push(row);
    this.advance(position);
  }

  private advance({ segment, line, end }: SegmentPosition): void {
    const current = this.reached.get(segment);
    if (!current || end > current.bytes) this.reached.set(segment, { bytes: end, lines: line });
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
