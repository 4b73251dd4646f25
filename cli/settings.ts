// Every setting of the long-running commands (serve, ingest, assemble), declared once: its flag, its value
// type (how the command line and the environment parse it, what the config file may hold for it) and its help.
// commands.ts builds the flags from this table, config-file.ts the file's JSON Schema, configs.ts maps the
// values onto the stages' configs, and resolve.ts applies flag > PROOFLINE_* env > config file > default.
import { InvalidArgumentError } from 'commander';

import * as assemblerConfig from '../assembler/config.js';
import * as ingestConfig from '../ingest/config.js';
import { topicNames } from '../schemas/topics.js';
import * as transportConfig from '../transport/config.js';

export type CommandName = 'serve' | 'ingest' | 'assemble';

/** How a value is written on the command line or in the environment, and what the config file may hold. */
export interface ValueType {
  placeholder: string;
  parse(text: string): unknown;
  /** JSON Schema of the value in the config file. */
  schema: Record<string, unknown>;
  /** A path: one written in the config file is relative to the file's directory. */
  path?: true;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) throw new InvalidArgumentError('not a port number');
  return port;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const text = (placeholder: string): ValueType => ({
  placeholder,
  parse: (value) => value,
  schema: { type: 'string', minLength: 1 },
});
const path = (placeholder = '<file>'): ValueType => ({ ...text(placeholder), path: true });
const PORT: ValueType = {
  placeholder: '<port>',
  parse: parsePort,
  schema: { type: 'integer', minimum: 0, maximum: 65535 },
};
const positiveInt = (placeholder: string): ValueType => ({
  placeholder,
  parse: parsePositiveInt,
  schema: { type: 'integer', minimum: 1 },
});

export interface Setting {
  /** No type: a switch (true when given; the environment and the file may also say false). */
  type?: ValueType;
  choices?: readonly string[];
  description: string;
  commands: readonly CommandName[];
  /** Never printed (--print-config shows it redacted). */
  secret?: true;
}

/** The values the settings resolve to, keyed as commander names the flags (`--max-body` → `maxBody`). */
export interface SettingValues {
  host?: string;
  port?: number;
  token?: string;
  tokenFile?: string;
  policy?: string;
  approvers?: string;
  storeContent?: boolean;
  maxBody?: number;
  tlsCert?: string;
  tlsKey?: string;
  data?: string;
  settleMs?: number;
  idleTimeoutMs?: number;
  witness?: string;
  allowInsecureKey?: boolean;
  statusPort?: number;
  kafka?: string;
  topicPrefix?: string;
  maxRecordBytes?: number;
  group?: string;
  fromKafka?: string;
  collectorGroup?: string;
  collectorEncoding?: transportConfig.CollectorTopicsConfig['encoding'];
}

export type SettingName = keyof SettingValues;

const INGEST = ingestConfig.createDefaultConfig();
const ASSEMBLER = assemblerConfig.createDefaultConfig();
const KAFKA = transportConfig.createDefaultKafkaConfig([]);
const COLLECTOR = transportConfig.createDefaultCollectorTopicsConfig();
const RECEIVER: readonly CommandName[] = ['serve', 'ingest'];
const ASSEMBLY: readonly CommandName[] = ['serve', 'assemble'];
const ALL: readonly CommandName[] = ['serve', 'ingest', 'assemble'];

// Help texts name the defaults from the stages' own createDefaultConfig: flags carry no commander defaults, so
// an unset flag is undefined and every default is written once, beside its stage.
export const SETTINGS: { readonly [K in SettingName]-?: Setting } = {
  host: {
    type: text('<host>'),
    description: `address to bind (default: ${INGEST.host})`,
    commands: RECEIVER,
  },
  port: { type: PORT, description: `OTLP/HTTP port (default: ${INGEST.port})`, commands: RECEIVER },
  token: {
    type: text('<token>'),
    description: 'require this bearer token on every request',
    commands: RECEIVER,
    secret: true,
  },
  tokenFile: {
    type: path(),
    description: 'read the bearer token from this file (mode 0600, or 0640 for a service group)',
    commands: RECEIVER,
  },
  policy: {
    type: path(),
    description: 'guard policy or rule file (YAML); default: allow everything, recorded as such',
    commands: RECEIVER,
  },
  approvers: {
    type: path(),
    description:
      'approvers file (proofline keygen --approver): whose signed grants answer an approval_gate; default: nobody',
    commands: RECEIVER,
  },
  storeContent: {
    description: 'keep redacted prompt/argument/output text beside its digest',
    commands: RECEIVER,
  },
  maxBody: {
    type: positiveInt('<bytes>'),
    description: `largest request body after decompression (default: ${INGEST.maxBodyBytes})`,
    commands: RECEIVER,
  },
  tlsCert: {
    type: path(),
    description: 'serve HTTPS with this certificate chain (PEM); needs --tls-key',
    commands: RECEIVER,
  },
  tlsKey: {
    type: path(),
    description: "the certificate's private key (PEM, mode 0600 or 0640)",
    commands: RECEIVER,
  },
  data: {
    type: path('<dir>'),
    description: `data directory: store, bundles, keys (default: ${ASSEMBLER.dataDir})`,
    commands: ASSEMBLY,
  },
  settleMs: {
    type: positiveInt('<ms>'),
    description: `quiet time after an action closes before it is bundled (default: ${ASSEMBLER.settleMs})`,
    commands: ASSEMBLY,
  },
  idleTimeoutMs: {
    type: positiveInt('<ms>'),
    description: `seal a session after this long without records (default: ${ASSEMBLER.idleTimeoutMs})`,
    commands: ASSEMBLY,
  },
  witness: {
    type: path('<path>'),
    description:
      'publish signed log checkpoints here, outside the data directory: a directory keeps every one, a file the latest',
    commands: ASSEMBLY,
  },
  allowInsecureKey: {
    description: 'sign even when group or others can read the signing key (every bundle records it)',
    commands: ASSEMBLY,
  },
  statusPort: {
    type: PORT,
    description: 'serve /healthz, /readyz and /metrics on 127.0.0.1 at this port',
    commands: ['assemble'],
  },
  kafka: {
    type: text('<brokers>'),
    description:
      'comma-separated Kafka brokers (ingest and assemble need them; serve then uses Kafka instead of the embedded store)',
    commands: ALL,
  },
  topicPrefix: {
    type: text('<prefix>'),
    description: `Kafka topics ${Object.values(topicNames('<prefix>')).join(', ')} (default: ${KAFKA.topicPrefix})`,
    commands: ALL,
  },
  maxRecordBytes: {
    type: positiveInt('<bytes>'),
    description: `with Kafka: the largest record the brokers take (their message.max.bytes); larger observations are refused with 413 (default: ${KAFKA.maxRecordBytes})`,
    commands: ALL,
  },
  group: {
    type: text('<name>'),
    description: `with Kafka: the assemblers' consumer group (default: ${KAFKA.group})`,
    commands: ASSEMBLY,
  },
  fromKafka: {
    type: text('<topics>'),
    description: `instead of HTTP: consume the Collector kafkaexporter topics LOGS,SPANS (e.g. ${COLLECTOR.logsTopic},${COLLECTOR.tracesTopic})`,
    commands: ['ingest'],
  },
  collectorGroup: {
    type: text('<name>'),
    description: `with --from-kafka: the consumer group (default: ${COLLECTOR.group})`,
    commands: ['ingest'],
  },
  collectorEncoding: {
    type: text('<encoding>'),
    choices: ['otlp_proto', 'otlp_json'],
    description: `the exporter's encoding (default: ${COLLECTOR.encoding})`,
    commands: ['ingest'],
  },
};

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

export function settingsOf(command: CommandName): SettingName[] {
  return SETTING_NAMES.filter((name) => SETTINGS[name].commands.includes(command));
}

/** `maxBody` → `max-body`: the flag without dashes, and the config file's key. */
export function flagOf(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** `maxBody` → `PROOFLINE_MAX_BODY`. */
export function envOf(name: string): string {
  return `PROOFLINE_${flagOf(name).toUpperCase().replace(/-/g, '_')}`;
}

/** The config file's own flag (`--config`) and its variable. */
export const CONFIG_ENV = envOf('config');

/** A switch written in the environment: true/false, 1/0, yes/no, on/off. Anything else is refused, so that
 * `PROOFLINE_STORE_CONTENT=false` never turns content storage on. */
export function parseSwitch(value: string): boolean {
  const word = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(word)) return true;
  if (['false', '0', 'no', 'off'].includes(word)) return false;
  throw new InvalidArgumentError('must be true or false');
}
