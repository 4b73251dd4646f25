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

const EMBEDDED_MEMORY_LIMIT = '256MB';

export async function openEmbeddedTransport(options: EmbeddedTransportOptions): Promise<EmbeddedTransport> {
  // DuckDB's buffer pool defaults to 80% of RAM and keeps what it reads; the log is written once and read
  // forward, so a small pool is enough and keeps the server's footprint predictable.
  const instance = await DuckDBInstance.create(options.path, { memory_limit: EMBEDDED_MEMORY_LIMIT });
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
