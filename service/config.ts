// What each deployment is made of, as the stages' own configurations (ingest/config.ts, assembler/config.ts,
// transport/config.ts): the CLI maps its flags onto these once, and everything below takes them as given.
import * as assembler from '../assembler/config.js';
import * as ingest from '../ingest/config.js';
import { ConfigError } from '../schemas/errors.js';
import * as transport from '../transport/config.js';

/** `proofline serve`: receiver, transport and assembler in one process. */
export interface ServeConfig {
  ingest: ingest.Config;
  assembler: assembler.Config;
  transport: transport.Config;
}

/** `proofline ingest`: receivers (or a Collector-topics reader) publishing to Kafka. */
export interface IngestServiceConfig {
  ingest: ingest.Config;
  transport: transport.KafkaConfig;
  /** Instead of HTTP: read what a Collector's kafkaexporter wrote. */
  collector?: transport.CollectorTopicsConfig;
}

/** `proofline assemble`: one member of the assemblers' consumer group. */
export interface AssembleServiceConfig {
  assembler: assembler.Config;
  transport: transport.KafkaConfig;
  /** GET /healthz, /readyz and /metrics on 127.0.0.1 at this port; absent: not served. */
  statusPort?: number;
}

export function createDefaultServeConfig(): ServeConfig {
  return {
    ingest: ingest.createDefaultConfig(),
    assembler: assembler.createDefaultConfig(),
    transport: transport.createDefaultConfig(),
  };
}

export function validateServeConfig(config: ServeConfig): void {
  ingest.validate(config.ingest);
  assembler.validate(config.assembler);
  transport.validate(config.transport);
}

export function validateIngestServiceConfig(config: IngestServiceConfig): void {
  ingest.validate(config.ingest);
  transport.validate(config.transport);
  if (config.collector) transport.validateCollectorTopics(config.collector);
}

export function validateAssembleServiceConfig(config: AssembleServiceConfig): void {
  assembler.validate(config.assembler);
  transport.validate(config.transport);
  if (
    config.statusPort !== undefined &&
    !(Number.isInteger(config.statusPort) && config.statusPort >= 0 && config.statusPort <= 65535)
  )
    throw new ConfigError(`assemble: status port ${config.statusPort} is not a port number`);
}

/** Kafka commands need a broker list; it has no default. */
export function requireKafka(config: transport.Config): transport.KafkaConfig {
  if (config.kind !== 'kafka') throw new ConfigError('this command needs Kafka brokers (--kafka)');
  return config;
}
