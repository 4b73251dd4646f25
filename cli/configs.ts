// Settings (resolved from flags, environment and config file: resolve.ts) onto the stages' configurations,
// once: each command's settings become a service config over the stages' defaults, validated before anything
// starts. The same tables read an effective config back into settings, for `--print-config`.
import * as assemblerConfig from '../assembler/config.js';
import * as ingestConfig from '../ingest/config.js';
import { ConfigError } from '../schemas/errors.js';
import {
  validateAssembleServiceConfig,
  validateIngestServiceConfig,
  validateServeConfig,
  type AssembleServiceConfig,
  type IngestServiceConfig,
  type ServeConfig,
} from '../service/config.js';
import * as transportConfig from '../transport/config.js';
import type { SettingName, SettingValues } from './settings.js';

/** Which setting sets which field of a stage's config. */
type Fields<C> = Partial<Record<SettingName, keyof C>>;

const INGEST: Fields<ingestConfig.Config> = {
  host: 'host',
  port: 'port',
  token: 'token',
  policy: 'policyFile',
  approvers: 'approversFile',
  storeContent: 'storeContent',
  maxBody: 'maxBodyBytes',
  tlsCert: 'tlsCertFile',
  tlsKey: 'tlsKeyFile',
};
const ASSEMBLER: Fields<assemblerConfig.Config> = {
  data: 'dataDir',
  settleMs: 'settleMs',
  idleTimeoutMs: 'idleTimeoutMs',
  witness: 'witness',
  allowInsecureKey: 'allowInsecureKey',
};
const KAFKA: Fields<transportConfig.KafkaConfig> = {
  topicPrefix: 'topicPrefix',
  group: 'group',
  maxRecordBytes: 'maxRecordBytes',
};
const COLLECTOR: Fields<transportConfig.CollectorTopicsConfig> = {
  collectorGroup: 'group',
  collectorEncoding: 'encoding',
};

/** `defaults` with every field whose setting was given. */
function withSettings<C extends object>(defaults: C, fields: Fields<C>, values: SettingValues): C {
  const config: C = { ...defaults };
  for (const [setting, field] of Object.entries(fields) as [SettingName, keyof C][]) {
    const value = values[setting];
    if (value !== undefined) config[field] = value as C[keyof C];
  }
  return config;
}

function readBack<C extends object>(config: C, fields: Fields<C>): SettingValues {
  return Object.fromEntries(
    (Object.entries(fields) as [SettingName, keyof C][]).map(([setting, field]) => [setting, config[field]]),
  );
}

function ingestFrom(values: SettingValues): ingestConfig.Config {
  return withSettings(ingestConfig.createDefaultConfig(), INGEST, values);
}

function assemblerFrom(values: SettingValues): assemblerConfig.Config {
  return withSettings(assemblerConfig.createDefaultConfig(), ASSEMBLER, values);
}

function kafkaFrom(values: SettingValues): transportConfig.KafkaConfig {
  if (values.kafka === undefined)
    throw new ConfigError(
      'this command needs Kafka brokers (--kafka, PROOFLINE_KAFKA or `kafka:` in the config file)',
    );
  const defaults = transportConfig.createDefaultKafkaConfig(transportConfig.parseBrokers(values.kafka));
  return withSettings(defaults, KAFKA, values);
}

function kafkaBack(transport: transportConfig.Config): SettingValues {
  if (transport.kind === 'embedded') return {};
  return { kafka: transport.brokers.join(','), ...readBack(transport, KAFKA) };
}

export function serveConfig(values: SettingValues): ServeConfig {
  const config: ServeConfig = {
    ingest: ingestFrom(values),
    assembler: assemblerFrom(values),
    transport: values.kafka === undefined ? transportConfig.createDefaultConfig() : kafkaFrom(values),
  };
  validateServeConfig(config);
  return config;
}

/** `--from-kafka LOGS,SPANS`: either topic may be left empty for its default. */
function collectorFrom(fromKafka: string, values: SettingValues): transportConfig.CollectorTopicsConfig {
  const [logsTopic, tracesTopic] = fromKafka.split(',').map((topic) => topic.trim());
  return {
    ...withSettings(transportConfig.createDefaultCollectorTopicsConfig(), COLLECTOR, values),
    ...(logsTopic ? { logsTopic } : {}),
    ...(tracesTopic ? { tracesTopic } : {}),
  };
}

export function ingestServiceConfig(values: SettingValues): IngestServiceConfig {
  const config: IngestServiceConfig = {
    ingest: ingestFrom(values),
    transport: kafkaFrom(values),
    ...(values.fromKafka === undefined ? {} : { collector: collectorFrom(values.fromKafka, values) }),
  };
  validateIngestServiceConfig(config);
  return config;
}

export function assembleServiceConfig(values: SettingValues): AssembleServiceConfig {
  const config: AssembleServiceConfig = {
    assembler: assemblerFrom(values),
    transport: kafkaFrom(values),
    ...(values.statusPort === undefined ? {} : { statusPort: values.statusPort }),
  };
  validateAssembleServiceConfig(config);
  return config;
}

/** An effective config as settings: what each setting amounts to once defaults are filled in. */
export function settingsOfConfig(
  config: ServeConfig | IngestServiceConfig | AssembleServiceConfig,
): SettingValues {
  const collector = 'collector' in config ? config.collector : undefined;
  return {
    ...('ingest' in config ? readBack(config.ingest, INGEST) : {}),
    ...('assembler' in config ? readBack(config.assembler, ASSEMBLER) : {}),
    ...kafkaBack(config.transport),
    ...('statusPort' in config ? { statusPort: config.statusPort } : {}),
    ...(collector
      ? { fromKafka: `${collector.logsTopic},${collector.tracesTopic}`, ...readBack(collector, COLLECTOR) }
      : {}),
  };
}
