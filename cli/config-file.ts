// proofline's config file (`--config proofline.yaml`): one flat YAML map whose keys are the flags of serve,
// ingest and assemble without their dashes (one file can serve all three; a command takes the keys it has).
// It is validated against a JSON Schema built from the settings table, and every problem names the file, line
// and column (schemas/yaml-source.ts, as for policy files).
import { dirname, isAbsolute, resolve } from 'node:path';

import { Ajv } from 'ajv';

import { ProoflineError } from '../schemas/errors.js';
import { checkSecretFile } from '../schemas/secret-file.js';
import { YamlSource, type YamlErrors } from '../schemas/yaml-source.js';
import { flagOf, SETTING_NAMES, SETTINGS, type SettingName } from './settings.js';

type ConfigFileCode = 'CONFIG_FILE_UNREADABLE' | 'CONFIG_FILE_SYNTAX' | 'CONFIG_FILE_SCHEMA';

export class ConfigFileError extends ProoflineError<ConfigFileCode> {
  constructor(code: ConfigFileCode, file: string, problem: string, line?: number, column?: number) {
    super(code, `${file}${line === undefined ? '' : `:${line}:${column ?? 1}`}: ${problem}`, { exitCode: 2 });
  }
}

const ERRORS: YamlErrors<ConfigFileCode> = {
  unreadable: 'CONFIG_FILE_UNREADABLE',
  syntax: 'CONFIG_FILE_SYNTAX',
  schema: 'CONFIG_FILE_SCHEMA',
  error: (code, file, problem, line, column) => new ConfigFileError(code, file, problem, line, column),
};

/** The JSON Schema of the file, from the settings table: a key per flag, nothing else. */
export function configFileSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'proofline config file (keys are the flags of serve, ingest and assemble)',
    type: ['object', 'null'],
    additionalProperties: false,
    properties: Object.fromEntries(
      SETTING_NAMES.map((name) => {
        const setting = SETTINGS[name];
        const schema = setting.type
          ? { ...setting.type.schema, ...(setting.choices ? { enum: [...setting.choices] } : {}) }
          : { type: 'boolean' };
        return [flagOf(name), { ...schema, description: setting.description }];
      }),
    ),
  };
}

const validateFile = new Ajv({ allErrors: false, strict: true }).compile<Record<string, unknown> | null>(
  configFileSchema(),
);

export interface ConfigFile {
  path: string;
  /** Each key the file sets, with paths made absolute against the file's directory. */
  values: Partial<Record<SettingName, unknown>>;
  /** `file:line:col` of a key's value. */
  where(name: SettingName): string;
}

export function readConfigFile(path: string): ConfigFile {
  const source: YamlSource<ConfigFileCode> = YamlSource.read(path, ERRORS, 'config file');
  const document: unknown = source.value;
  source.validate(validateFile, document, 'config');
  const values: Partial<Record<SettingName, unknown>> = {};
  for (const name of SETTING_NAMES) {
    const value = document?.[flagOf(name)];
    if (value === undefined) continue;
    values[name] =
      SETTINGS[name].type?.path && typeof value === 'string' && !isAbsolute(value)
        ? resolve(dirname(path), value)
        : value;
  }
  // A token written into the file makes the file a secret.
  if (values.token !== undefined) checkSecretFile(path, 'config file (it holds the token)');
  return { path, values, where: (name) => source.where([flagOf(name)]) };
}
