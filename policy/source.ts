// A policy file read once (schemas/yaml-source.ts keeps every node's position), so every later problem —
// syntax, schema or meaning — is a PolicyError at the file, line and column of the value at fault, whichever
// policy language the file is in.
import { readFileSync } from 'node:fs';

import { Ajv, type ValidateFunction } from 'ajv';

import { YamlSource, type YamlErrors } from '../schemas/yaml-source.js';
import { PolicyError, type PolicyErrorCode } from './errors.js';

export type { YamlPath } from '../schemas/yaml-source.js';

// useDefaults fills in what the author left out, so a policy's digest covers the policy as it is applied.
const ajv = new Ajv({ allErrors: false, useDefaults: true });

/** A validator for one of the JSON Schemas in schemas/json/. */
export function policySchemaValidator<T>(schemaFile: string): ValidateFunction<T> {
  const url = new URL(`../schemas/json/${schemaFile}`, import.meta.url);
  return ajv.compile<T>(JSON.parse(readFileSync(url, 'utf8')) as object);
}

const POLICY_ERRORS: YamlErrors<PolicyErrorCode> = {
  unreadable: 'POLICY_UNREADABLE',
  syntax: 'POLICY_YAML_SYNTAX',
  schema: 'POLICY_SCHEMA',
  error: (code, file, problem, line, column) => new PolicyError(code, file, problem, line, column),
};

export type PolicySource = YamlSource<PolicyErrorCode>;

export const PolicySource = {
  read: (path: string): PolicySource => YamlSource.read(path, POLICY_ERRORS, 'policy file'),
  parse: (text: string, name: string): PolicySource => YamlSource.parse(text, name, POLICY_ERRORS),
};
