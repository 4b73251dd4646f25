// The lifecycle both Kafka consumers share: join a group on some topics, hand each fetched batch to a handler,
// commit only when told (autoCommit off), and turn kafkajs's "run() returns at once" into a run() that returns
// when close() is called, or rejects when the consumer crashed for good.
import type { Consumer, EachBatchPayload, Kafka, TopicPartitionOffsetAndMetadata } from 'kafkajs';

import { TransportUnavailableError } from '../schemas/transport.js';

import { TransportUsageError } from './errors.js';
import { RETRY_AFTER_SECONDS } from './kafka-producer.js';
import { ensureTopics, type TopicSpec } from './kafka-topics.js';

const REJOIN_DELAY_MS = 500;

export interface ConsumerLoopOptions {
  groupId: string;
  /** Subscribed to, and created first when missing. */
  topics: readonly TopicSpec[];
  /** How long the group waits for a silent member before handing its partitions to others. */
  sessionTimeoutMs?: number;
  /** A rebalance began (kafkajs has stopped fetching; it rejoins right after this returns). */
  onRebalancing?: () => void;
  /** This member joined the group with this assignment (topic → partitions). */
  onAssignment?: (member: string, assignment: Readonly<Record<string, number[]>>) => void;
  /** Runs on close(), after the last batch handler returned and before the consumer leaves the group. */
  beforeLeave?: () => Promise<void>;
}

export class ConsumerLoop {
  private readonly consumer: Consumer;
  private running = false;
  private closed = false;
  private batchesInFlight = 0;
  private stopping: Promise<void> | undefined;
  private settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  private eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  /** `topic/partition` → the offset this member last committed there. */
  private readonly committed = new Map<string, string>();

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
    // a crash it gives up on ends run(). One it gives up on too soon is restarted here: with the client's short
    // retries, a group coordinator that is still loading (a broker just started or restarted, a busy one)
    // reads as "not found", which kafkajs counts as final.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      if (this.closed || payload.error.name !== 'KafkaJSGroupCoordinatorNotFound') {
        this.settle?.reject(payload.error);
        return;
      }
      this.kafka.logger().warn('group coordinator not found; joining again', { groupId: options.groupId });
      this.rejoin();
    });
    // kafkajs has no revoke callback: REBALANCING is emitted after the in-flight batches finished and before
    // it rejoins, GROUP_JOIN after the sync with the new assignment (also after a rejoin it did not announce,
    // e.g. when the coordinator forgot this member).
    this.consumer.on(this.consumer.events.REBALANCING, () => options.onRebalancing?.());
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) =>
      options.onAssignment?.(payload.memberId, payload.memberAssignment),
    );
  }

  /** kafkajs has disconnected the consumer before telling: it can connect and run again. A broker that is
   * shutting down answers "coordinator not available" before it stops answering at all, so the broker may be
   * gone by then: keep trying until it is back, as kafkajs does for a consumer that was running. */
  private rejoin(): void {
    setTimeout(() => {
      this.start().catch((error: unknown) => {
        if (!this.closed && isConnectionError(error)) this.rejoin();
        else this.settle?.reject(error);
      });
    }, REJOIN_DELAY_MS);
  }

  async run(eachBatch: (payload: EachBatchPayload) => Promise<void>): Promise<void> {
    if (this.running)
      throw new TransportUsageError(`consumer group ${this.options.groupId} is already running`);
    this.running = true;
    const stopped = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.eachBatch = async (payload) => {
      // A batch fetched before close() was called is dropped uncommitted: it comes again after a restart.
      if (this.closed || !payload.isRunning() || payload.isStale()) return;
      this.batchesInFlight += 1;
      try {
        await eachBatch(payload);
      } finally {
        this.batchesInFlight -= 1;
        if (this.closed && this.batchesInFlight === 0) void this.stop();
      }
    };
    await ensureTopics(this.kafka, this.options.topics);
    await this.start();
    return stopped;
  }

  private async start(): Promise<void> {
    if (this.closed) return;
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.options.topics.map((spec) => spec.topic),
      fromBeginning: true,
    });
    if (!this.closed) await this.consumer.run({ autoCommit: false, eachBatch: this.eachBatch });
  }

  /** Commits the offsets that moved since the last successful commit. Callers may ask on every timer tick,
   * before the first batch too (kafkajs rejects any commit before its group is joined, and nothing has been
   * delivered yet then); offsets that did not move are not sent again. */
  async commit(offsets: readonly TopicPartitionOffsetAndMetadata[]): Promise<void> {
    const moved = offsets.filter((o) => this.committed.get(`${o.topic}/${o.partition}`) !== o.offset);
    if (moved.length === 0) return;
    try {
      await this.consumer.commitOffsets(moved);
      for (const o of moved) this.committed.set(`${o.topic}/${o.partition}`, o.offset);
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
    this.stopping ??= (async () => {
      try {
        await this.options.beforeLeave?.();
      } finally {
        await this.consumer.disconnect();
      }
    })().then(
      () => this.settle?.resolve(),
      (error: unknown) => this.settle?.reject(error),
    );
    return this.stopping;
  }
}

/** The broker could not be reached (kafkajs gives up connecting with NumberOfRetriesExceeded around it). */
function isConnectionError(error: unknown): boolean {
  const { name, cause } = error as { name?: string; cause?: { name?: string } };
  return name === 'KafkaJSConnectionError' || cause?.name === 'KafkaJSConnectionError';
}
