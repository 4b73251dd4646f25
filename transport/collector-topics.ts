// Consumes what the OpenTelemetry Collector's kafkaexporter writes: one OTLP export request per record
// (`LogsData` on otlp_logs, `TracesData` on otlp_spans), protobuf by default or JSON. It only hands the raw
// bytes and their encoding on; decoding and normalizing them is ingest's job. Offsets are committed once the
// callback for a batch has resolved, so a crash redelivers rather than loses.
import type { EachBatchPayload } from 'kafkajs';

import { createKafkaClient, type KafkaConnectionOptions } from './kafka-client.js';
import { ConsumerLoop } from './kafka-consumer-loop.js';

/** The kafkaexporter's `encoding` values proofline accepts. */
export type OtlpEncoding = 'otlp_proto' | 'otlp_json';
export type CollectorSignal = 'logs' | 'traces';

export interface CollectorTopic {
  topic: string;
  /** Must match the exporter's `<signal>::encoding`; the records themselves do not say. */
  encoding: OtlpEncoding;
}

export interface CollectorTopicsOptions extends KafkaConnectionOptions {
  groupId?: string;
  logs?: Partial<CollectorTopic>;
  traces?: Partial<CollectorTopic>;
  /** Partitions for topics this consumer has to create (the exporter's broker may not auto-create them). */
  numPartitions?: number;
}

export interface CollectorRecord {
  signal: CollectorSignal;
  encoding: OtlpEncoding;
  bytes: Buffer;
  topic: string;
  partition: number;
  offset: string;
}

/** The exporter's defaults. */
export const DEFAULT_COLLECTOR_TOPICS: Record<CollectorSignal, CollectorTopic> = {
  logs: { topic: 'otlp_logs', encoding: 'otlp_proto' },
  traces: { topic: 'otlp_spans', encoding: 'otlp_proto' },
};

export class CollectorTopicConsumer {
  private readonly loop: ConsumerLoop;
  private readonly byTopic: Map<string, { signal: CollectorSignal; encoding: OtlpEncoding }>;

  constructor(options: CollectorTopicsOptions) {
    const logs = { ...DEFAULT_COLLECTOR_TOPICS.logs, ...options.logs };
    const traces = { ...DEFAULT_COLLECTOR_TOPICS.traces, ...options.traces };
    this.byTopic = new Map([
      [logs.topic, { signal: 'logs', encoding: logs.encoding }],
      [traces.topic, { signal: 'traces', encoding: traces.encoding }],
    ]);
    const numPartitions = options.numPartitions ?? 3;
    this.loop = new ConsumerLoop(createKafkaClient(options), {
      groupId: options.groupId ?? 'proofline-ingest-collector',
      topics: [logs.topic, traces.topic].map((topic) => ({ topic, numPartitions })),
    });
  }

  /** Until close(): hands each fetched batch's records (empty values skipped) to `onRecords`, then commits. */
  run(onRecords: (records: readonly CollectorRecord[]) => Promise<void>): Promise<void> {
    return this.loop.run((payload) => this.handle(payload, onRecords));
  }

  close(): Promise<void> {
    return this.loop.close();
  }

  private async handle(
    { batch, heartbeat }: EachBatchPayload,
    onRecords: (records: readonly CollectorRecord[]) => Promise<void>,
  ): Promise<void> {
    const source = this.byTopic.get(batch.topic)!;
    const records: CollectorRecord[] = [];
    for (const message of batch.messages) {
      if (!message.value) continue;
      records.push({
        ...source,
        bytes: message.value,
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
      });
    }
    if (records.length > 0) await onRecords(records);
    await this.loop.commit([
      {
        topic: batch.topic,
        partition: batch.partition,
        offset: (BigInt(batch.lastOffset()) + 1n).toString(),
      },
    ]);
    await heartbeat();
  }
}
