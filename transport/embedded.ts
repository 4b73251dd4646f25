// The one-machine transport: a DuckDB file is the log, no broker. What publish() resolved for survives a
// kill -9 (see embedded-publisher.ts for why). The DuckDB file allows one process at a time; inside it, the
// publisher, each subscriber and the shared connection handed to the assembler each get their own connection,
// because a DuckDB connection holds a single transaction and they must not share one.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

import type { ObservationPublisher, ObservationSubscriber } from '../schemas/transport.js';

import { EmbeddedPublisher, type CommittedBatch } from './embedded-publisher.js';
import { createEmbeddedSchema } from './embedded-schema.js';
import { EmbeddedSubscriber, type EmbeddedSubscriberOptions } from './embedded-subscriber.js';
import { OwnWrites } from './own-writes.js';
import { Wakeup } from './wakeup.js';

export interface EmbeddedTransportOptions {
  /** The DuckDB file, e.g. `<data>/pipeline.duckdb`; created with its tables when missing. */
  path: string;
  /** Told of every group commit the publisher makes (see embedded-publisher.ts); must not throw. */
  onCommit?: (batch: CommittedBatch) => void;
}

export interface EmbeddedTransport {
  publisher: ObservationPublisher;
  subscriber(options?: EmbeddedSubscriberOptions): ObservationSubscriber;
  /** A connection to the same file for the assembler's own tables; closed by close(). */
  connection: DuckDBConnection;
  /** Stops subscribers (after their batch in flight), waits for pending publishes, closes the file. Do not
   * await it from inside an onBatch callback: it waits for that callback to return. */
  close(): Promise<void>;
}

// DuckDB's buffer pool defaults to 80% of RAM and keeps what it reads; the log is written once and read
// forward, so a small pool is enough. Its allocator otherwise keeps up to 128 MiB of freed memory (512 MiB after
// bulk frees) per process before returning it: measured on 1M appended records of ~1 KiB, RSS of DuckDB alone
// peaked at ~590 MiB with the defaults and ~450 MiB with these. A 128 MB pool is too small: the assembler's
// queries failed with DuckDB's Out of Memory Error under `npm run bench rss`.
const EMBEDDED_SETTINGS = {
  memory_limit: '256MB',
  allocator_flush_threshold: '8MB',
  allocator_bulk_deallocation_flush_threshold: '8MB',
  allocator_background_threads: 'true',
};

export async function openEmbeddedTransport(options: EmbeddedTransportOptions): Promise<EmbeddedTransport> {
  const instance = await DuckDBInstance.create(options.path, EMBEDDED_SETTINGS);
  const connection = await instance.connect();
  await createEmbeddedSchema(connection);
  const wakeup = new Wakeup();
  const ownWrites = new OwnWrites();
  const publisher = await EmbeddedPublisher.open(
    await instance.connect(),
    wakeup,
    ownWrites,
    options.onCommit,
  );
  const subscribers: EmbeddedSubscriber[] = [];
  let closed = false;

  return {
    publisher,
    connection,
    subscriber(subscriberOptions) {
      const subscriber = new EmbeddedSubscriber(instance, wakeup, ownWrites, subscriberOptions);
      subscribers.push(subscriber);
      return subscriber;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(subscribers.map((subscriber) => subscriber.close()));
      await Promise.all(subscribers.map((subscriber) => subscriber.stopped()));
      await publisher.close();
      connection.closeSync();
      instance.closeSync();
    },
  };
}
