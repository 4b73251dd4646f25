// The lifecycle both Kafka consumers share: join a group on some topics, hand each fetched batch to a handler,
// commit only when told (autoCommit off), and turn kafkajs's "run() returns at once" into a run() that returns
// when close() is called, or rejects when the consumer crashed for good.
import type { Consumer, EachBatchPayload, Kafka, TopicPartitionOffsetAndMetadata } from 'kafkajs';

import { TransportUnavailableError } from '../schemas/transport.js';

import { TransportUsageError } from './errors.js';
import { RETRY_AFTER_SECONDS } from './kafka-producer.js';
import { ensureTopics, type TopicSpec } from './kafka-topics.js';

export interface ConsumerLoopOptions {
  groupId: string;
  /** Subscribed to, and created first when missing. */
  topics: readonly TopicSpec[];
  /** How long the group waits for a silent member before handing its partitions to others. */
  sessionTimeoutMs?: number;
}

export class ConsumerLoop {
  private readonly consumer: Consumer;
  private running = false;
  private closed = false;
  private batchesInFlight = 0;
  private stopping: Promise<void> | undefined;
  private settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerLoopOptions,
  ) {
    const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout,
      heartbeatInterval: Math.floor(sessionTimeout / 5),
      allowAutoTopicCreation: false,
    });
    // kafkajs restarts a crashed consumer by itself while the error is retriable (a broker restart is); only
    // a crash it gives up on ends run().
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.settle?.reject(payload.error);
    });
  }

  async run(eachBatch: (payload: EachBatchPayload) => Promise<void>): Promise<void> {
    if (this.running)
      throw new TransportUsageError(`consumer group ${this.options.groupId} is already running`);
    this.running = true;
    const stopped = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    await ensureTopics(this.kafka, this.options.topics);
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.options.topics.map((spec) => spec.topic),
      fromBeginning: true,
    });
    if (!this.closed) {
      await this.consumer.run({
        autoCommit: false,
        eachBatch: async (payload) => {
          // A batch fetched before close() was called is dropped uncommitted: it comes again after a restart.
          if (this.closed || !payload.isRunning() || payload.isStale()) return;
          this.batchesInFlight += 1;
          try {
            await eachBatch(payload);
          } finally {
            this.batchesInFlight -= 1;
            if (this.closed && this.batchesInFlight === 0) void this.stop();
          }
        },
      });
    }
    return stopped;
  }

  async commit(offsets: readonly TopicPartitionOffsetAndMetadata[]): Promise<void> {
    try {
      await this.consumer.commitOffsets([...offsets]);
    } catch (cause) {
      const error = new TransportUnavailableError(
        `kafka offset commit failed: ${(cause as Error).message}`,
        RETRY_AFTER_SECONDS,
      );
      error.cause = cause;
      throw error;
    }
  }

  /** Leaves the group and ends run(). Called while a batch handler runs (from inside it, typically), it only
   * marks the loop closed and resolves; the consumer stops once the handler returns. Stopping earlier would
   * both deadlock (kafkajs waits for the handler) and lose the handler's later commits: kafkajs silently drops
   * commitOffsets once disconnect() has begun. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.batchesInFlight === 0) await this.stop();
  }

  private stop(): Promise<void> {
    this.stopping ??= this.consumer.disconnect().then(
      () => this.settle?.resolve(),
      (error: unknown) => this.settle?.reject(error),
    );
    return this.stopping;
  }
}
