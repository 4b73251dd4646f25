// The Kafka transport: observations on `proofline.observations` (key = session id), a dead-letter topic,
// signed bundles on `proofline.bundles`, and the transparency log's checkpoints on `proofline.checkpoints`.
// Topic names are configurable; missing topics are created on first use.
import { pino } from 'pino';

import {
  TransportUnavailableError,
  type ObservationPublisher,
  type ObservationSubscriber,
} from '../schemas/transport.js';

import { createKafkaClient, type KafkaConnectionOptions } from './kafka-client.js';
import { KafkaBundlePublisher } from './kafka-bundles.js';
import { KafkaCheckpointPublisher } from './kafka-checkpoints.js';
import { KafkaHandover } from './kafka-handover.js';
import { DEFAULT_MAX_RECORD_BYTES, ReliableProducer } from './kafka-producer.js';
import { KafkaObservationPublisher } from './kafka-publisher.js';
import { KafkaObservationSubscriber, type KafkaSubscriberOptions } from './kafka-subscriber.js';
import { DEFAULT_TOPICS, type ProoflineTopics } from '../schemas/topics.js';
import { ensureTopics, prooflineTopicSpecs } from './kafka-topics.js';
import { withDeadline } from './deadline.js';

export interface KafkaTransportOptions extends KafkaConnectionOptions {
  topics?: Partial<ProoflineTopics>;
  /** Upper bound for one publish request before it fails with TransportUnavailableError (default 5000). */
  sendTimeoutMs?: number;
  /** The largest record the brokers take (default kafka-producer.ts#DEFAULT_MAX_RECORD_BYTES). */
  maxRecordBytes?: number;
}

export interface KafkaTransport {
  publisher: ObservationPublisher;
  /** A new consumer-group member each call; close it (or the transport) to leave the group. */
  subscriber(options?: KafkaSubscriberOptions): ObservationSubscriber;
  bundles: KafkaBundlePublisher;
  /** The handover topic for the assemblers of `groupId` (start() it; closed with the transport). */
  handover(groupId: string): KafkaHandover;
  checkpoints: KafkaCheckpointPublisher;
  topics: ProoflineTopics;
  /** Connects to the brokers and makes sure the topics exist, within `timeoutMs`; rejects with
   * TransportUnavailableError otherwise (a command checks this at start instead of hanging). */
  probe(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export function createKafkaTransport(options: KafkaTransportOptions): KafkaTransport {
  const kafka = createKafkaClient(options);
  const topics: ProoflineTopics = { ...DEFAULT_TOPICS, ...options.topics };
  const specs = prooflineTopicSpecs(topics);
  const producer = (): ReliableProducer =>
    new ReliableProducer(kafka, {
      topics: specs,
      sendTimeoutMs: options.sendTimeoutMs,
      maxRecordBytes: options.maxRecordBytes,
    });
  const observationsSpec = specs.find((spec) => spec.topic === topics.observations)!;
  const closables: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(closable: T): T => {
    closables.push(closable);
    return closable;
  };

  return {
    topics,
    publisher: track(new KafkaObservationPublisher(producer(), topics.observations)),
    bundles: track(new KafkaBundlePublisher(producer(), topics.bundles)),
    checkpoints: track(new KafkaCheckpointPublisher(producer(), topics.checkpoints)),
    async probe(timeoutMs) {
      try {
        await withDeadline(ensureTopics(kafka, specs), timeoutMs, 'reaching the Kafka brokers');
      } catch (error) {
        throw new TransportUnavailableError(
          `Kafka brokers ${options.brokers.join(',')} unreachable: ${(error as Error).message}`,
          undefined,
          { cause: error },
        );
      }
    },
    handover: (groupId) =>
      track(
        new KafkaHandover(kafka, {
          spec: specs.find((spec) => spec.topic === topics.handover)!,
          observations: observationsSpec,
          groupId,
          producer: producer(),
          maxRecordBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
          logger: options.logger ?? pino({ level: 'warn' }, pino.destination(2)),
        }),
      ),
    subscriber: (subscriberOptions) =>
      track(new KafkaObservationSubscriber(kafka, topics, observationsSpec, producer(), subscriberOptions)),
    async close() {
      await Promise.all(closables.map((closable) => closable.close()));
    },
  };
}
