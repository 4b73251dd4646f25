// A kafkajs producer that either gets records acknowledged by all in-sync replicas within a deadline or fails
// with TransportUnavailableError, and recovers on its own once the broker is back.
//
// After any failed send the producer is thrown away and the next send starts a fresh one. That is deliberate:
// a kafkajs idempotent producer that gave up on a request keeps its producer id and sequence numbers, and the
// broker may treat the next, different records as duplicates of the abandoned ones and drop them while
// acknowledging. A new producer gets a new producer id (InitProducerId), so sequence numbers start over.
// The cost is that records of a send that timed out but did reach the broker may be written twice when the
// caller retries; consumers de-duplicate by observation id.
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';

import { RecordTooLargeError, TransportUnavailableError } from '../schemas/transport.js';

import { withDeadline } from './deadline.js';
import { TransportUsageError } from './errors.js';
import { ensureTopics, type TopicSpec } from './kafka-topics.js';

export interface ReliableProducerOptions {
  /** Topics created (if missing) before the first send. */
  topics: readonly TopicSpec[];
  /** Upper bound for connecting plus one send; past it the send fails with TransportUnavailableError. */
  sendTimeoutMs?: number;
  /** Records per produce request. A request's record batch must stay under the broker's message.max.bytes
   * (1 MB by default) and kafkajs does not split batches itself. */
  maxBatchBytes?: number;
  /** The largest single record (key + value) the broker takes (its message.max.bytes, less the batch
   * overhead); a larger one is refused before anything is sent. */
  maxRecordBytes?: number;
}

/** The broker's default message.max.bytes (1048588) less room for the record batch header. */
export const DEFAULT_MAX_RECORD_BYTES = 1_000_000;

export const RETRY_AFTER_SECONDS = 5;

export class ReliableProducer {
  private producer: Promise<Producer> | undefined;
  private topicsReady = false;
  private closed = false;
  private readonly sendTimeoutMs: number;
  private readonly maxBatchBytes: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ReliableProducerOptions,
  ) {
    this.sendTimeoutMs = options.sendTimeoutMs ?? 5000;
    this.maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
  }

  /** Sends in order, in size-bounded requests one after another, so records with one key keep their order.
   * Resolves once all are acknowledged (acks=all). */
  async send(topic: string, messages: readonly Message[]): Promise<void> {
    if (this.closed) throw new TransportUsageError('kafka producer is closed');
    const limit = this.options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    for (const message of messages) {
      const size = byteLength(message.value) + byteLength(message.key);
      if (size > limit) throw new RecordTooLargeError(size, limit);
    }
    for (const chunk of chunksOf(messages, this.maxBatchBytes)) {
      try {
        const producer = await withDeadline(this.connected(), this.sendTimeoutMs, 'kafka connect');
        await withDeadline(
          producer.send({ topic, acks: -1, messages: chunk }),
          this.sendTimeoutMs,
          'kafka send',
        );
      } catch (cause) {
        this.discard();
        // The broker's own verdict on a record's size is as final as ours.
        if ((cause as { type?: unknown }).type === 'MESSAGE_TOO_LARGE')
          throw new RecordTooLargeError(Math.max(...chunk.map((m) => byteLength(m.value))), limit);
        const error = new TransportUnavailableError(
          `kafka did not acknowledge ${chunk.length} records on ${topic}: ${(cause as Error).message}`,
          RETRY_AFTER_SECONDS,
        );
        error.cause = cause;
        throw error;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.then((p) => p.disconnect()).catch(() => undefined);
  }

  private connected(): Promise<Producer> {
    this.producer ??= this.connect();
    return this.producer;
  }

  private async connect(): Promise<Producer> {
    if (!this.topicsReady) {
      await ensureTopics(this.kafka, this.options.topics);
      this.topicsReady = true;
    }
    const producer = this.kafka.producer({
      idempotent: true,
      // One request in flight per broker: retries can then never reorder a session's records.
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    return producer;
  }

  private discard(): void {
    const producer = this.producer;
    this.producer = undefined;
    // Disconnecting also aborts whatever kafkajs was still retrying for the abandoned send.
    producer?.then((p) => p.disconnect()).catch(() => undefined);
  }
}

/** Splits messages into requests under `maxBytes` (kafkajs does not split, and the broker caps a request). */
export function* chunksOf(messages: readonly Message[], maxBytes: number): Generator<Message[]> {
  let chunk: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = byteLength(message.value) + byteLength(message.key);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

function byteLength(value: Message['value'] | Message['key']): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}
