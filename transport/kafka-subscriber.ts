// Consumes Observations from Kafka in a consumer group. Offsets are committed only through commit(); records
// whose value is not an Observation never reach the handler: they go straight to the dead-letter topic.
import type { EachBatchPayload, IHeaders, Kafka } from 'kafkajs';

import { InvalidObservationError } from '../schemas/assert-observation.js';
import {
  TransportUnavailableError,
  type Delivery,
  type ObservationSubscriber,
  type PartitionListener,
} from '../schemas/transport.js';

import { ConsumerLoop } from './kafka-consumer-loop.js';
import type { ReliableProducer } from './kafka-producer.js';
import type { ProoflineTopics } from '../schemas/topics.js';
import type { TopicSpec } from './kafka-topics.js';
import { decodeObservation, encodeObservation } from './observation-codec.js';

export const DLQ_REASON_HEADER = 'proofline-dlq-reason';
/** `<topic>/<partition>/<offset>` of the record that was set aside. */
export const DLQ_SOURCE_HEADER = 'proofline-dlq-source';

export interface KafkaSubscriberOptions {
  groupId?: string;
  sessionTimeoutMs?: number;
}

export const DEFAULT_GROUP_ID = 'proofline-assembler';
const HEARTBEAT_WHILE_WAITING_MS = 1000;

export class KafkaObservationSubscriber implements ObservationSubscriber {
  private readonly loop: ConsumerLoop;
  /** Partitions whose last fetched batch did not reach the end of the partition. */
  private readonly behind = new Set<number>();
  private listener: PartitionListener | undefined;

  /** `deadLetters` is owned by the subscriber and closed with it. */
  constructor(
    private readonly kafka: Kafka,
    private readonly topics: ProoflineTopics,
    observationsTopic: TopicSpec,
    private readonly deadLetters: ReliableProducer,
    options: KafkaSubscriberOptions = {},
  ) {
    this.loop = new ConsumerLoop(kafka, {
      groupId: options.groupId ?? DEFAULT_GROUP_ID,
      topics: [observationsTopic],
      sessionTimeoutMs: options.sessionTimeoutMs,
      onRebalancing: () => this.listener?.revoking(),
      onAssignment: (member, assignment) =>
        this.listener?.assigned(member, assignment[topics.observations] ?? []),
      beforeLeave: async () => this.listener?.leaving(),
    });
  }

  onPartitions(listener: PartitionListener): void {
    this.listener = listener;
  }

  run(onBatch: (deliveries: readonly Delivery[]) => Promise<void>): Promise<void> {
    return this.loop.run((payload) => this.handle(payload, onBatch));
  }

  /** A commit Kafka does not take (broker away, group rebalancing) is not an error for the caller: the offsets
   * stay pending in the loop and go with the next commit, and what a restart or a rebalance delivers again
   * meanwhile the assembler de-duplicates by observation id. Failing instead would end the assembler at the
   * first broker outage. */
  async commit(nextOffsets: ReadonlyMap<number, string>): Promise<void> {
    try {
      await this.loop.commit(
        [...nextOffsets].map(([partition, offset]) => ({
          topic: this.topics.observations,
          partition,
          offset,
        })),
      );
    } catch (error) {
      if (!(error instanceof TransportUnavailableError)) throw error;
      this.kafka.logger().warn('offset commit failed; retried with the next one', { error: error.message });
    }
  }

  lagging(): ReadonlySet<number> {
    return this.behind;
  }

  deadLetter(delivery: Delivery, reason: string): Promise<void> {
    return this.sendDeadLetter(
      delivery.observation.session_id,
      encodeObservation(delivery.observation),
      delivery.partition,
      delivery.offset,
      reason,
    );
  }

  async close(): Promise<void> {
    await this.loop.close();
    await this.deadLetters.close();
  }

  private async handle(
    { batch, heartbeat }: EachBatchPayload,
    onBatch: (deliveries: readonly Delivery[]) => Promise<void>,
  ): Promise<void> {
    // Before the handler runs: the step it starts must already know this partition has more to read.
    if (batch.isEmpty() || BigInt(batch.offsetLag()) === 0n) this.behind.delete(batch.partition);
    else this.behind.add(batch.partition);
    const deliveries: Delivery[] = [];
    for (const message of batch.messages) {
      try {
        if (!message.value) throw new InvalidObservationError('record has no value');
        const observation = decodeObservation(message.value.toString('utf8'));
        deliveries.push({ observation, partition: batch.partition, offset: message.offset });
      } catch (error) {
        if (!(error instanceof InvalidObservationError)) throw error;
        await this.sendDeadLetter(message.key, message.value, batch.partition, message.offset, error.message);
      }
    }
    if (deliveries.length > 0) await whileHeartbeating(onBatch(deliveries), heartbeat);
    await heartbeat();
  }

  private sendDeadLetter(
    key: Buffer | string | null,
    value: Buffer | string | null,
    partition: number,
    offset: string,
    reason: string,
  ): Promise<void> {
    const headers: IHeaders = {
      [DLQ_REASON_HEADER]: reason,
      [DLQ_SOURCE_HEADER]: `${this.topics.observations}/${partition}/${offset}`,
    };
    return this.deadLetters.send(this.topics.deadLetters, [{ key, value, headers }]);
  }
}

/** kafkajs heartbeats only between batches: a batch held up longer than the session timeout (the first one
 * after a rebalance waits until the previous owners released their partitions) would get this member expelled.
 * A rebalance a heartbeat reports is left for kafkajs to find again once the batch is done. */
async function whileHeartbeating<T>(work: Promise<T>, heartbeat: () => Promise<void>): Promise<T> {
  const timer = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_WHILE_WAITING_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
