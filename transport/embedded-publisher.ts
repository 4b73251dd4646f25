// Appends observations to the `observations` table, one transaction per publish().
//
// Durability: DuckDB fsyncs its WAL when a transaction commits (and, for large inserts it writes straight into
// the database file, fsyncs that file first); there is no setting to relax or enable. Checked with strace on
// @duckdb/node-api 1.5.6: COMMIT issues fsync(<db>.wal), and for a 300k-row insert fsync(<db>) then
// fsync(<db>.wal), before COMMIT returns. So publish() resolves only after the records are on disk.
//
// Idempotence: an observation whose id is already stored, or repeats earlier in the same batch, is skipped at
// insert and publish() still resolves (the first stored copy wins). Re-delivered OTLP is thus acknowledged
// without creating duplicates.
//
// Speed: almost every batch is new, so it is first moved from the staging table into `observations` as it is,
// where the UNIQUE index on id refuses a stored id (the statement fails and the transaction is rolled back).
// Only then does the batch take the checked path: moved over with an anti-join against the stored ids. The
// anti-join scans the whole id column (DuckDB 1.5 does not use the index for it), so doing it on every publish
// made each one slower as the log grew. Rows are always appended to the staging table, which has no
// constraints: an appender whose flush failed on a constraint stays half-open, and when the garbage collector
// finalizes it later it aborts whatever transaction this connection has open then (found by fuzzing).
//
// Group commit: publishes that arrive while a commit is in flight wait and are then written together, in
// arrival order, in one transaction (one fsync), up to MAX_BATCH_RECORDS at a time. Each publish() resolves only
// once the transaction holding its records has committed; if that fails, every publish of the batch is retried
// on its own, so one request whose records the store refuses (e.g. a lone UTF-16 surrogate the JSON column
// rejects) fails only itself, not the requests that happened to share its batch.
//
// Ordering: batches are written one at a time on this connection and seq is max(seq)+1 onward, read in the same
// transaction, so commit order equals seq order and a reader never sees seq n+1 before seq n. A publish's
// records stay contiguous and in order.
import type { DuckDBConnection } from '@duckdb/node-api';

import type { Observation } from '../schemas/observation.js';
import { TransportUnavailableError, type ObservationPublisher } from '../schemas/transport.js';

import { TransportUsageError } from './errors.js';
import { encodeObservation } from './observation-codec.js';
import type { OwnWrites } from './own-writes.js';
import type { Wakeup } from './wakeup.js';

// A connection-local temp table: the appender fills it fast, then one INSERT … SELECT moves the new rows over.
// (INSERT … ON CONFLICT DO NOTHING was measured ~14x slower than this anti-join for 5k-row batches.)
const STAGING_DDL = `CREATE TEMP TABLE IF NOT EXISTS publish_staging (
  ord INTEGER NOT NULL, id VARCHAR NOT NULL, session_id VARCHAR NOT NULL, observation VARCHAR NOT NULL)`;

const NEXT_SEQ = 'SELECT coalesce(max(seq) + 1, 0)::BIGINT FROM observations';

const MOVE_ALL_ROWS = `
INSERT INTO observations (seq, id, session_id, observation)
SELECT (SELECT coalesce(max(seq) + 1, 0) FROM observations) + row_number() OVER (ORDER BY s.ord) - 1,
       s.id, s.session_id, s.observation
FROM temp.main.publish_staging s`;

const MOVE_NEW_ROWS = `${MOVE_ALL_ROWS}
WHERE NOT EXISTS (SELECT 1 FROM observations o WHERE o.id = s.id)`;

/** What one commit wrote: how many publish() calls it acknowledged and how many records they held. */
export interface CommittedBatch {
  publishes: number;
  records: number;
}

// Bounds a group commit's memory and transaction size; a publish larger than this is still written whole.
const MAX_BATCH_RECORDS = 50_000;

interface PendingPublish {
  observations: readonly Observation[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class EmbeddedPublisher implements ObservationPublisher {
  private pending: PendingPublish[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly wakeup: Wakeup,
    private readonly ownWrites: OwnWrites,
    private readonly onCommit: (batch: CommittedBatch) => void,
  ) {}

  /** Takes ownership of `connection` (closed by close()). Every committed seq range is added to `ownWrites`. `onCommit` (which must not throw) is told of every
   * commit, after it. */
  static async open(
    connection: DuckDBConnection,
    wakeup: Wakeup,
    ownWrites: OwnWrites,
    onCommit: (batch: CommittedBatch) => void = () => undefined,
  ): Promise<EmbeddedPublisher> {
    await connection.run(STAGING_DDL);
    return new EmbeddedPublisher(connection, wakeup, ownWrites, onCommit);
  }

  async publish(observations: readonly Observation[]): Promise<void> {
    if (this.closed) throw new TransportUsageError('embedded publisher is closed');
    if (observations.length === 0) return;
    const committed = new Promise<void>((resolve, reject) =>
      this.pending.push({ observations, resolve, reject }),
    );
    this.writing ??= this.writeAll();
    await committed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing;
    this.connection.closeSync();
  }

  /** Writes batches until nothing is pending. Publishes made in the same tick as the first one join its batch. */
  private async writeAll(): Promise<void> {
    await Promise.resolve();
    while (this.pending.length > 0) await this.commitBatch(this.takeBatch());
    this.writing = undefined;
  }

  private takeBatch(): PendingPublish[] {
    let records = 0;
    let taken = 0;
    while (taken < this.pending.length && (taken === 0 || records < MAX_BATCH_RECORDS))
      records += this.pending[taken++]!.observations.length;
    return this.pending.splice(0, taken);
  }

  private async commitBatch(batch: readonly PendingPublish[]): Promise<void> {
    try {
      await this.write(batch.flatMap((publish) => publish.observations));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const publish of batch) await this.commitBatch([publish]);
      return;
    }
    for (const publish of batch) publish.resolve();
    this.wakeup.notify();
    this.onCommit({
      publishes: batch.length,
      records: batch.reduce((sum, publish) => sum + publish.observations.length, 0),
    });
  }

  private async write(observations: readonly Observation[]): Promise<void> {
    const batch = firstOfEachId(observations);
    try {
      await this.transaction(() => this.move(batch, MOVE_ALL_ROWS));
    } catch (fastPathError) {
      // An id already stored (a re-delivery), or a seq taken by a writer on another connection: the checked
      // path skips the stored ids and numbers the rest after whatever is there now.
      try {
        await this.transaction(() => this.move(batch, MOVE_NEW_ROWS));
      } catch (cause) {
        const error = new TransportUnavailableError(
          `embedded transport could not store ${observations.length} observations: ${(cause as Error).message} (after: ${(fastPathError as Error).message})`,
        );
        error.cause = cause;
        throw error;
      }
    }
  }

  private async transaction(work: () => Promise<[bigint, number]>): Promise<void> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const [from, count] = await work();
      await this.connection.run('COMMIT');
      this.ownWrites.add(from, count);
    } catch (error) {
      // Rolling back also empties the staging table, which is only ever filled inside a transaction.
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Returns the seq range the move took: its first seq and how many rows it inserted. */
  private async move(batch: readonly Observation[], statement: string): Promise<[bigint, number]> {
    const appender = await this.connection.createAppender('publish_staging', 'main', 'temp');
    batch.forEach((observation, ord) => {
      appender.appendInteger(ord);
      appender.appendVarchar(observation.id);
      appender.appendVarchar(observation.session_id);
      appender.appendVarchar(encodeObservation(observation));
      appender.endRow();
    });
    appender.closeSync();
    // The same snapshot as the statement's own max(seq) read, so this is where its numbering starts.
    const next = await this.connection.runAndReadAll(NEXT_SEQ);
    const moved = await this.connection.run(statement);
    await this.connection.run('DELETE FROM temp.main.publish_staging');
    return [next.getRows()[0]![0] as bigint, moved.rowsChanged];
  }
}

/** The batch without ids repeated in it, first copy kept. */
function firstOfEachId(observations: readonly Observation[]): Observation[] {
  const seen = new Set<string>();
  return observations.filter((observation) => !seen.has(observation.id) && seen.add(observation.id));
}
