// Flags (and the environment) onto the stages' configurations, once: each command's parsed flags become a
// service config over the stages' defaults, validated before anything starts.
import * as assemblerConfig from '../assembler/config.js';
import * as ingestConfig from '../ingest/config.js';
import { ENV } from '../schemas/endpoints.js';
import {
  validateAssembleServiceConfig,
  validateIngestServiceConfig,
  validateServeConfig,
  type AssembleServiceConfig,
  type IngestServiceConfig,
  type ServeConfig,
} from '../service/config.js';
import * as transportConfig from '../transport/config.js';

interface ReceiverFlags {
  host?: string;
  port?: number;
  token?: string;
  policy?: string;
  approvers?: string;
  storeContent?: boolean;
  maxBody?: number;
}

interface AssemblerFlags {
  data?: string;
  settleMs?: number;
  idleTimeoutMs?: number;
  witness?: string;
  allowInsecureKey?: boolean;
}

interface KafkaFlags {
  kafka?: string;
  topicPrefix?: string;
  group?: string;
  maxRecordBytes?: number;
}

interface CollectorFlags {
  fromKafka?: string;
  collectorGroup?: string;
  collectorEncoding?: transportConfig.CollectorTopicsConfig['encoding'];
}

/** Keeps only the keys that were given, so they override a default and an unset one does not. */
function given<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function ingestFrom(flags: ReceiverFlags): ingestConfig.Config {
  return {
    ...ingestConfig.createDefaultConfig(),
    ...given({
      host: flags.host,
      port: flags.port,
      token: flags.token ?? process.env[ENV.token],
      policyFile: flags.policy,
      approversFile: flags.approvers,
      storeContent: flags.storeContent,
      maxBodyBytes: flags.maxBody,
    }),
  };
}

function assemblerFrom(flags: AssemblerFlags): assemblerConfig.Config {
  return {
    ...assemblerConfig.createDefaultConfig(),
    ...given({
      dataDir: flags.data,
      settleMs: flags.settleMs,
      idleTimeoutMs: flags.idleTimeoutMs,
      witness: flags.witness,
      allowInsecureKey: flags.allowInsecureKey,
    }),
  };
}

function kafkaFrom(flags: KafkaFlags & { kafka: string }): transportConfig.KafkaConfig {
  return {
    ...transportConfig.createDefaultKafkaConfig(transportConfig.parseBrokers(flags.kafka)),
    ...given({ topicPrefix: flags.topicPrefix, group: flags.group, maxRecordBytes: flags.maxRecordBytes }),
  };
}

export function serveConfig(flags: ReceiverFlags & AssemblerFlags & KafkaFlags): ServeConfig {
  const config: ServeConfig = {
    ingest: ingestFrom(flags),
    assembler: assemblerFrom(flags),
    transport:
      flags.kafka === undefined
        ? transportConfig.createDefaultConfig()
        : kafkaFrom({ ...flags, kafka: flags.kafka }),
  };
  validateServeConfig(config);
  return config;
}

export function ingestServiceConfig(
  flags: ReceiverFlags & KafkaFlags & CollectorFlags & { kafka: string },
): IngestServiceConfig {
  const defaults = transportConfig.createDefaultCollectorTopicsConfig();
  const [logsTopic, tracesTopic] = (flags.fromKafka ?? '').split(',').map((t) => t.trim());
  const config: IngestServiceConfig = {
    ingest: ingestFrom(flags),
    transport: kafkaFrom(flags),
    ...(flags.fromKafka === undefined
      ? {}
      : {
          collector: {
            ...defaults,
            ...given({
              logsTopic: logsTopic || undefined,
              tracesTopic: tracesTopic || undefined,
              group: flags.collectorGroup,
              encoding: flags.collectorEncoding,
            }),
          },
        }),
  };
  validateIngestServiceConfig(config);
  return config;
}

export function assembleServiceConfig(
  flags: AssemblerFlags & KafkaFlags & { kafka: string; statusPort?: number },
): AssembleServiceConfig {
  const config: AssembleServiceConfig = {
    assembler: assemblerFrom(flags),
    transport: kafkaFrom(flags),
    ...(flags.statusPort === undefined ? {} : { statusPort: flags.statusPort }),
  };
  validateAssembleServiceConfig(config);
  return config;
}
