// Reads the `observations` log from a consumer's committed offset onward, in seq order, in bounded batches.
// It wakes as soon as a publisher of the same transport commits (Wakeup) and otherwise polls, so rows written
// through another connection (the shared one) are picked up too.
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

import { InvalidObservationError } from '../schemas/assert-observation.js';
import type { Delivery, ObservationSubscriber } from '../schemas/transport.js';

import { EMBEDDED_PARTITION } from './embedded-schema.js';
import { TransportUsageError } from './errors.js';
import { decodeObservation } from './observation-codec.js';
import type { OwnWrites } from './own-writes.js';
import type { Wakeup } from './wakeup.js';

export interface EmbeddedSubscriberOptions {
  /** Names the committed position; two subscribers with different names each see the whole log. */
  consumer?: string;
  /** Upper bound of one batch, which bounds the memory one delivery holds. */
  maxBatchSize?: number;
  /** How long an idle subscriber waits for a wake-up before it looks again. */
  pollIntervalMs?: number;
}

export const DEFAULT_CONSUMER = 'assembler';

const ONLY_PARTITION: ReadonlySet<number> = new Set([EMBEDDED_PARTITION]);
const NO_PARTITIONS: ReadonlySet<number> = new Set();

const READ_BATCH = `SELECT seq, observation::VARCHAR AS observation FROM observations
  WHERE seq >= $from ORDER BY seq LIMIT $limit`;
const READ_COMMITTED = `SELECT next_offset FROM consumer_offsets WHERE consumer = $consumer AND "partition" = $partition`;
const WRITE_COMMITTED = `INSERT INTO consumer_offsets (consumer, "partition", next_offset) VALUES ($consumer, $partition, $next)
  ON CONFLICT (consumer, "partition") DO UPDATE SET next_offset = excluded.next_offset`;
// A record dead-lettered, then redelivered after a restart before the commit, is dead-lettered again: keep one row.
const WRITE_DEAD_LETTER = `INSERT INTO dead_letters (consumer, "partition", "offset", observation_id, reason, record)
  VALUES ($consumer, $partition, $offset, $id, $reason, $record)
  ON CONFLICT (consumer, "partition", "offset") DO UPDATE SET reason = excluded.reason, dead_at = now()`;

export class EmbeddedSubscriber implements ObservationSubscriber {
  private readonly consumer: string;
  private readonly maxBatchSize: number;
  private behind = false;
  private readonly pollIntervalMs: number;
  private closed = false;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private connection: Promise<DuckDBConnection> | undefined;
  /** commit() and deadLetter() calls still running: the connection must outlive them (a DuckDB connection
   * closed under a running query takes the whole process down). */
  private readonly inFlight = new Set<Promise<unknown>>();

  // subscriber() is synchronous in the transport's API while connecting is not: the own connection is opened on
  // first use and closed when the subscriber stops.
  constructor(
    private readonly instance: DuckDBInstance,
    private readonly wakeup: Wakeup,
    private readonly ownWrites: OwnWrites,
    options: EmbeddedSubscriberOptions = {},
  ) {
    this.consumer = options.consumer ?? DEFAULT_CONSUMER;
    this.maxBatchSize = options.maxBatchSize ?? 5000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
  }

  run(onBatch: (deliveries: readonly Delivery[]) => Promise<void>): Promise<void> {
    if (this.running) throw new TransportUsageError(`consumer ${this.consumer} is already running`);
    this.running = true;
    const loop = this.loop(onBatch).finally(() => {
      this.running = false;
      return this.disconnect();
    });
    this.loopDone = loop.catch(() => undefined);
    return loop;
  }

  commit(nextOffsets: ReadonlyMap<number, string>): Promise<void> {
    return this.track(this.writeCommitted(nextOffsets));
  }

  private async writeCommitted(nextOffsets: ReadonlyMap<number, string>): Promise<void> {
    for (const [partition, offset] of nextOffsets) {
      assertPartition(partition);
      await (
        await this.connect()
      ).run(WRITE_COMMITTED, {
        consumer: this.consumer,
        partition,
        next: parseOffset(offset),
      });
    }
  }

  lagging(): ReadonlySet<number> {
    return this.behind ? ONLY_PARTITION : NO_PARTITIONS;
  }

  deadLetter(delivery: Delivery, reason: string): Promise<void> {
    assertPartition(delivery.partition);
    return this.track(
      this.storeDeadLetter(
        parseOffset(delivery.offset),
        delivery.observation.id,
        reason,
        JSON.stringify(delivery.observation),
      ),
    );
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    work.then(
      () => this.inFlight.delete(work),
      () => this.inFlight.delete(work),
    );
    return work;
  }

  /** Stops run() after the batch in flight; resolves without waiting for it, so onBatch may call it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeup.notify();
    if (!this.running) await this.disconnect();
  }

  /** Resolves once run() has returned (or at once if it never ran); the transport awaits it before shutdown. */
  stopped(): Promise<void> {
    return this.loopDone;
  }

  private async loop(onBatch: (deliveries: readonly Delivery[]) => Promise<void>): Promise<void> {
    let from = await this.committedOffset();
    while (!this.closed) {
      const generation = this.wakeup.generation;
      const reader = await (
        await this.connect()
      ).runAndReadAll(READ_BATCH, { from, limit: this.maxBatchSize });
      const rows = reader.getRowObjectsJS() as { seq: bigint; observation: string }[];
      // A full page may have more behind it; one short of full was the end of the log when read.
      this.behind = rows.length === this.maxBatchSize;
      if (rows.length === 0) {
        await this.wakeup.wait(generation, this.pollIntervalMs);
        continue;
      }
      const deliveries: Delivery[] = [];
      for (const row of rows) {
        try {
          const observation = decodeObservation(row.observation, {
            checkId: !this.ownWrites.has(row.seq),
          });
          deliveries.push({ observation, partition: EMBEDDED_PARTITION, offset: row.seq.toString() });
        } catch (error) {
          if (!(error instanceof InvalidObservationError)) throw error;
          await this.storeDeadLetter(row.seq, null, error.message, row.observation);
        }
      }
      from = rows[rows.length - 1]!.seq + 1n;
      if (deliveries.length > 0) await onBatch(deliveries);
    }
  }

  private connect(): Promise<DuckDBConnection> {
    if (this.closed && !this.running) throw new TransportUsageError(`consumer ${this.consumer} is closed`);
    this.connection ??= this.instance.connect();
    return this.connection;
  }

  private async disconnect(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    const connection = this.connection;
    this.connection = undefined;
    if (connection) (await connection).closeSync();
  }

  private async committedOffset(): Promise<bigint> {
    const reader = await (
      await this.connect()
    ).runAndReadAll(READ_COMMITTED, {
      consumer: this.consumer,
      partition: EMBEDDED_PARTITION,
    });
    const row = reader.getRowObjectsJS()[0] as { next_offset: bigint } | undefined;
    return row?.next_offset ?? 0n;
  }

  private async storeDeadLetter(
    offset: bigint,
    id: string | null,
    reason: string,
    record: string,
  ): Promise<void> {
    await (
      await this.connect()
    ).run(WRITE_DEAD_LETTER, {
      consumer: this.consumer,
      partition: EMBEDDED_PARTITION,
      offset,
      id,
      reason,
      record,
    });
  }
}

function assertPartition(partition: number): void {
  if (partition !== EMBEDDED_PARTITION) {
    throw new TransportUsageError(
      `the embedded log has only partition ${EMBEDDED_PARTITION}, not ${partition}`,
    );
  }
}

function parseOffset(offset: string): bigint {
  if (!/^[0-9]+$/.test(offset))
    throw new TransportUsageError(`offset ${JSON.stringify(offset)} is not a decimal`);
  return BigInt(offset);
}
