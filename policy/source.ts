// A policy file read once: its YAML parsed with positions kept, so every later problem — syntax, schema or
// meaning — is reported as a PolicyError at the file, line and column of the value at fault, whichever
// policy language the file is in.
import { readFileSync } from 'node:fs';

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

import { PolicyError, type PolicyErrorCode } from './errors.js';

export type YamlPath = ReadonlyArray<string | number>;

// useDefaults fills in what the author left out, so a policy's digest covers the policy as it is applied.
const ajv = new Ajv({ allErrors: false, useDefaults: true });

/** A validator for one of the JSON Schemas in schemas/json/. */
export function policySchemaValidator<T>(schemaFile: string): ValidateFunction<T> {
  const url = new URL(`../schemas/json/${schemaFile}`, import.meta.url);
  return ajv.compile<T>(JSON.parse(readFileSync(url, 'utf8')) as object);
}

export class PolicySource {
  private constructor(
    /** Names the file in error messages. */
    readonly name: string,
    /** The document as plain JS (null for an empty file). */
    readonly value: unknown,
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  static read(path: string): PolicySource {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new PolicyError('POLICY_UNREADABLE', path, `cannot read policy file (${why})`);
    }
    return PolicySource.parse(text, path);
  }

  static parse(text: string, name: string): PolicySource {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const syntaxError = doc.errors[0];
    if (syntaxError) {
      const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
      const problem = syntaxError.message.split('\n')[0] ?? 'YAML syntax error';
      throw new PolicyError('POLICY_YAML_SYNTAX', name, problem, line, col);
    }
    return new PolicySource(name, doc.toJS() as unknown, doc, lineCounter);
  }

  /** Throws at the position of the deepest node along `path` that exists (a key when the value is missing). */
  fail(code: PolicyErrorCode, problem: string, path: YamlPath): never {
    const { line, column } = this.position(path);
    throw new PolicyError(code, this.name, problem, line, column);
  }

  /** Validates `value` (this document, or a copy of it) against a schema; `what` names the document kind. */
  validate<T>(validator: ValidateFunction<T>, value: unknown, what: string): asserts value is T {
    if (validator(value)) return;
    const error = validator.errors?.[0];
    this.fail('POLICY_SCHEMA', describe(error, what), error ? errorPath(error) : []);
  }

  private position(path: YamlPath): { line?: number; column?: number } {
    let node: unknown = this.doc.contents;
    let offset: number | undefined = (this.doc.contents as Node | null)?.range?.[0];
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (pair === undefined) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
        if (isScalar(node) || isMap(node) || isSeq(node)) offset = node.range?.[0] ?? offset;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        if (isScalar(node) || isMap(node) || isSeq(node)) offset = node.range?.[0] ?? offset;
        else break;
      } else {
        break;
      }
    }
    if (offset === undefined) return {};
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }
}

function describe(error: ErrorObject | undefined, what: string): string {
  if (error === undefined) return `does not match the ${what} schema`;
  const where = error.instancePath === '' ? what : error.instancePath.slice(1).replace(/\//g, '.');
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where}: unknown key "${String(error.params.additionalProperty)}"`;
    case 'enum':
      return `${where}: must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `${where}: must be ${JSON.stringify(error.params.allowedValue)}`;
    case 'required':
      return `${where}: missing "${String(error.params.missingProperty)}"`;
    default:
      return `${where}: ${error.message ?? 'invalid'}`;
  }
}

function errorPath(error: ErrorObject): YamlPath {
  const path: Array<string | number> = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  // Point at the offending key itself, not at the map that holds it.
  if (error.keyword === 'additionalProperties') path.push(String(error.params.additionalProperty));
  return path;
}
