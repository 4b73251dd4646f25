// A YAML file read once with the position of every node kept, so every later problem — syntax, schema or
// meaning — is reported at the file, line and column of the value at fault. Shared by the guard's policy
// files (policy/source.ts) and proofline's own config file (cli/config-file.ts); each brings its own error
// type through `YamlErrors`, so a caller still branches on its own codes.
import { readFileSync } from 'node:fs';

import type { ErrorObject, ValidateFunction } from 'ajv';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export type YamlPath = ReadonlyArray<string | number>;

/** How one kind of file names its failures: a code per stage of reading, and the error to throw. */
export interface YamlErrors<Code extends string> {
  unreadable: Code;
  syntax: Code;
  schema: Code;
  /** 1-based line and column, when the problem can be pinned to a place in the file. */
  error(code: Code, file: string, problem: string, line?: number, column?: number): Error;
}

export class YamlSource<Code extends string> {
  private constructor(
    /** Names the file in error messages. */
    readonly name: string,
    /** The document as plain JS (null for an empty file). */
    readonly value: unknown,
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
    private readonly errors: YamlErrors<Code>,
  ) {}

  static read<Code extends string>(path: string, errors: YamlErrors<Code>, what = 'file'): YamlSource<Code> {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code ?? String(error);
      throw errors.error(errors.unreadable, path, `cannot read ${what} (${why})`);
    }
    return YamlSource.parse(text, path, errors);
  }

  static parse<Code extends string>(text: string, name: string, errors: YamlErrors<Code>): YamlSource<Code> {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const syntaxError = doc.errors[0];
    if (syntaxError) {
      const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
      const problem = syntaxError.message.split('\n')[0] ?? 'YAML syntax error';
      throw errors.error(errors.syntax, name, problem, line, col);
    }
    return new YamlSource(name, doc.toJS() as unknown, doc, lineCounter, errors);
  }

  /** Throws at the position of the deepest node along `path` that exists (a key when the value is missing). */
  fail(code: Code, problem: string, path: YamlPath): never {
    return this.failAt(code, problem, path, false);
  }

  /** `name:line:col` of the node at `path` (or the deepest one of it that exists). */
  where(path: YamlPath): string {
    const { line, column } = this.position(path);
    return line === undefined ? this.name : `${this.name}:${line}:${column ?? 1}`;
  }

  /** Validates `value` (this document, or a copy of it) against a schema; `what` names the document kind. */
  validate<T>(validator: ValidateFunction<T>, value: unknown, what: string): asserts value is T {
    if (validator(value)) return;
    const error = validator.errors?.[0];
    // An unknown key is pointed at itself, not at its value.
    const atKey = error?.keyword === 'additionalProperties';
    this.failAt(this.errors.schema, describe(error, what), error ? errorPath(error) : [], atKey);
  }

  private failAt(code: Code, problem: string, path: YamlPath, atKey: boolean): never {
    const { line, column } = this.position(path, atKey);
    throw this.errors.error(code, this.name, problem, line, column);
  }

  /** The node at `path` (or the deepest one of it that exists); with `atKey`, the last segment's key. */
  private position(path: YamlPath, atKey = false): { line?: number; column?: number } {
    let node: unknown = this.doc.contents;
    let offset: number | undefined = (this.doc.contents as Node | null)?.range?.[0];
    for (const [index, segment] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (pair === undefined) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        if (atKey && index === path.length - 1) break;
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
