// The transport's configuration, with its defaults and checks beside it: the embedded DuckDB log (one machine,
// the default) or Apache Kafka (receivers and assemblers scaled out).
import { ConfigError } from '../schemas/errors.js';
import { DEFAULT_TOPIC_PREFIX } from '../schemas/topics.js';
import { DEFAULT_MAX_RECORD_BYTES } from './kafka-producer.js';

export interface EmbeddedConfig {
  kind: 'embedded';
}

export interface KafkaConfig {
  kind: 'kafka';
  brokers: string[];
  /** Topics are named from it (schemas/topics.ts). */
  topicPrefix: string;
  /** The assemblers' consumer group. */
  group: string;
  /** The largest record the brokers take (their message.max.bytes less the batch header); a larger
   * observation is refused with 413. */
  maxRecordBytes: number;
}

export type Config = EmbeddedConfig | KafkaConfig;

/** What an OpenTelemetry Collector's kafkaexporter writes, read by `ingest --from-kafka`. */
export interface CollectorTopicsConfig {
  logsTopic: string;
  tracesTopic: string;
  encoding: 'otlp_proto' | 'otlp_json';
  /** The consumer group reading them. */
  group: string;
}

export function createDefaultConfig(): EmbeddedConfig {
  return { kind: 'embedded' };
}

export function createDefaultKafkaConfig(brokers: string[]): KafkaConfig {
  return {
    kind: 'kafka',
    brokers,
    topicPrefix: DEFAULT_TOPIC_PREFIX,
    group: 'proofline-assemblers',
    maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
  };
}

export function createDefaultCollectorTopicsConfig(): CollectorTopicsConfig {
  return {
    logsTopic: 'otlp_logs',
    tracesTopic: 'otlp_spans',
    encoding: 'otlp_proto',
    group: 'proofline-ingest-collector',
  };
}

// Kafka's own rule for topic names (and so for a prefix of one).
const TOPIC_NAME = /^[A-Za-z0-9._-]+$/;

export function validate(config: Config): void {
  if (config.kind === 'embedded') return;
  if (config.brokers.length === 0 || config.brokers.some((b) => !/^[^\s:]+:\d+$/.test(b)))
    throw new ConfigError(
      `kafka: brokers must be host:port, comma-separated (got "${config.brokers.join(',')}")`,
    );
  if (!TOPIC_NAME.test(config.topicPrefix))
    throw new ConfigError(`kafka: invalid topic prefix "${config.topicPrefix}"`);
  if (config.group.trim() === '') throw new ConfigError('kafka: the consumer group is empty');
  if (!Number.isSafeInteger(config.maxRecordBytes) || config.maxRecordBytes <= 0)
    throw new ConfigError('kafka: maxRecordBytes must be a positive integer');
}

export function validateCollectorTopics(config: CollectorTopicsConfig): void {
  for (const topic of [config.logsTopic, config.tracesTopic])
    if (!TOPIC_NAME.test(topic)) throw new ConfigError(`collector: invalid topic name "${topic}"`);
  if (config.group.trim() === '') throw new ConfigError('collector: the consumer group is empty');
}

/** `a:1, b:2` → ['a:1', 'b:2']. */
export function parseBrokers(list: string): string[] {
  return list
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}
