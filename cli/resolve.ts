// Where each setting of serve/ingest/assemble comes from: the flag, else its PROOFLINE_* variable, else the
// config file (--config or $PROOFLINE_CONFIG), else the stage's default (filled in by configs.ts). The origin
// of every value is kept, for `--print-config` and for errors that must say which value was wrong.
import type { Command } from 'commander';

import { ConfigError } from '../schemas/errors.js';
import { readTokenFile } from '../schemas/secret-file.js';
import { readConfigFile } from './config-file.js';
import {
  CONFIG_ENV,
  envOf,
  parseSwitch,
  settingsOf,
  SETTINGS,
  type CommandName,
  type SettingName,
  type SettingValues,
} from './settings.js';

export type Origin =
  | { from: 'flag' }
  | { from: 'env'; variable: string }
  | { from: 'file'; where: string }
  | { from: 'default' };

export interface Resolved {
  command: CommandName;
  values: SettingValues;
  /** Every setting of the command; 'default' when nothing set it. */
  origins: Record<SettingName, Origin>;
  /** The config file read, if any. */
  configFile?: string;
  /** Keys of the config file that belong to the other commands (one file can serve all three). */
  ignored: SettingName[];
  /** Where the token was read from, when it came from a token file. */
  tokenFile?: string;
}

const RANK: Record<Origin['from'], number> = { default: 0, file: 1, env: 2, flag: 3 };

export function describeOrigin(origin: Origin): string {
  switch (origin.from) {
    case 'flag':
      return 'flag';
    case 'env':
      return `env ${origin.variable}`;
    case 'file':
      return `file ${origin.where}`;
    case 'default':
      return 'default';
  }
}

/** The settings of `name` as given to `command` (already parsed by commander), its environment and the
 * config file. Values from the environment go through the flag's own parser, so they are checked alike. */
export function resolveSettings(
  name: CommandName,
  command: Command,
  env: NodeJS.ProcessEnv = process.env,
): Resolved {
  const flags = command.opts<SettingValues & { config?: string }>();
  const configPath = flags.config ?? nonEmpty(env, CONFIG_ENV);
  const file = configPath === undefined ? undefined : readConfigFile(configPath);
  const names = settingsOf(name);
  const values: Record<string, unknown> = {};
  const origins = {} as Record<SettingName, Origin>;
  for (const setting of names) {
    const variable = envOf(setting);
    if (command.getOptionValueSource(setting) === 'cli') {
      values[setting] = flags[setting];
      origins[setting] = { from: 'flag' };
    } else if (env[variable] !== undefined) {
      values[setting] = fromEnv(setting, variable, env[variable]);
      origins[setting] = { from: 'env', variable };
    } else if (file?.values[setting] !== undefined) {
      values[setting] = file.values[setting];
      origins[setting] = { from: 'file', where: file.where(setting) };
    } else {
      origins[setting] = { from: 'default' };
    }
  }
  const resolved: Resolved = {
    command: name,
    values: values as SettingValues,
    origins,
    ...(file ? { configFile: file.path } : {}),
    ignored: file
      ? (Object.keys(file.values) as SettingName[]).filter((setting) => !names.includes(setting))
      : [],
  };
  if (names.includes('tokenFile')) applyTokenFile(resolved);
  return resolved;
}

function nonEmpty(env: NodeJS.ProcessEnv, variable: string): string | undefined {
  const value = env[variable];
  if (value === undefined) return undefined;
  if (value.trim() === '')
    throw new ConfigError(`${variable} is set but empty (unset it to use no config file)`);
  return value;
}

function fromEnv(name: SettingName, variable: string, value: string): unknown {
  // An empty variable is a mistake to report, not "unset": an empty token would otherwise read as none.
  if (value.trim() === '')
    throw new ConfigError(`${variable} is set but empty (unset it to use the default)`);
  const setting = SETTINGS[name];
  try {
    if (setting.type === undefined) return parseSwitch(value);
    if (setting.choices && !setting.choices.includes(value))
      throw new Error(`must be one of ${setting.choices.join(', ')}`);
    return setting.type.parse(value);
  } catch (error) {
    throw new ConfigError(
      `${variable}=${setting.secret ? '<redacted>' : value}: ${(error as Error).message}`,
    );
  }
}

/** The token and the token file are one setting written two ways: the more precedent one wins; both at the
 * same level is ambiguous, and refused. */
function applyTokenFile(resolved: Resolved): void {
  const { values, origins } = resolved;
  const fileRank = RANK[origins.tokenFile.from];
  const tokenRank = RANK[origins.token.from];
  if (fileRank === 0 || tokenRank > fileRank) return;
  if (tokenRank === fileRank)
    throw new ConfigError(
      `give the token or a token file, not both (both from ${describeOrigin(origins.token)})`,
    );
  values.token = readTokenFile(values.tokenFile!);
  origins.token = origins.tokenFile;
  resolved.tokenFile = values.tokenFile;
}
