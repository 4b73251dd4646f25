// Policy text → a validated PolicyDocument. YAML is parsed with positions kept, so every schema or semantic
// error names the line and column of the value at fault.
import { readFileSync } from 'node:fs';

import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

import { ClassHierarchy, ClassCycleError } from './classes.js';
import type { PolicyDocument } from './document.js';
import { PolicyError } from './errors.js';

const policySchema = JSON.parse(
  readFileSync(new URL('../../schemas/json/policy.schema.json', import.meta.url), 'utf8'),
) as object;
// useDefaults fills in what the author left out, so the digest covers the policy as it is applied.
const validatePolicy = new Ajv({ allErrors: false, useDefaults: true }).compile<PolicyDocument>(policySchema);

type Path = ReadonlyArray<string | number>;

export function loadPolicyFile(path: string): PolicyDocument {
  return parsePolicy(readFileSync(path, 'utf8'), path);
}

/** Parses and validates policy text; `source` names the file in error messages. */
export function parsePolicy(text: string, source = 'policy'): PolicyDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    throw new PolicyError(
      'POLICY_YAML_SYNTAX',
      source,
      syntaxError.message.split('\n')[0] ?? 'YAML syntax error',
      line,
      col,
    );
  }
  const locate = (path: Path): { line?: number; column?: number } => position(doc, lineCounter, path);
  const fail = (code: 'POLICY_SCHEMA' | 'POLICY_INVALID', problem: string, path: Path): never => {
    const { line, column } = locate(path);
    throw new PolicyError(code, source, problem, line, column);
  };

  const value: unknown = doc.toJS();
  if (!validatePolicy(value)) {
    const error = validatePolicy.errors?.[0];
    return fail('POLICY_SCHEMA', describe(error), error ? errorPath(error) : []);
  }
  checkSemantics(value, fail);
  return value;
}

function checkSemantics(
  policy: PolicyDocument,
  fail: (code: 'POLICY_INVALID', problem: string, path: Path) => never,
): void {
  try {
    new ClassHierarchy(policy.classes);
  } catch (error) {
    if (error instanceof ClassCycleError) fail('POLICY_INVALID', error.message, ['classes', error.className]);
    throw error;
  }
  const ids = new Map<string, number>();
  policy.rules.forEach((rule, index) => {
    // Decisions name rules by id, so an id must name exactly one rule.
    if (ids.has(rule.id)) fail('POLICY_INVALID', `duplicate rule id "${rule.id}"`, ['rules', index, 'id']);
    ids.set(rule.id, index);
    for (const [key, conditions] of [
      ['when', rule.when],
      ['after', rule.after],
    ] as const) {
      const regex = conditions?.command?.regex;
      if (regex === undefined) continue;
      try {
        new RegExp(regex);
      } catch (error) {
        fail('POLICY_INVALID', `invalid regex: ${(error as Error).message}`, [
          'rules',
          index,
          key,
          'command',
          'regex',
        ]);
      }
    }
  });
  policy.rules.forEach((rule, index) => {
    (rule.waives ?? []).forEach((waived, at) => {
      const target = policy.rules[ids.get(waived) ?? -1];
      if (target === undefined)
        fail('POLICY_INVALID', `waives unknown rule "${waived}"`, ['rules', index, 'waives', at]);
      else if (target.modality !== 'prohibit' && target.modality !== 'obligation') {
        fail(
          'POLICY_INVALID',
          `a dispensation waives obligations or prohibitions; "${waived}" is a ${target.modality}`,
          ['rules', index, 'waives', at],
        );
      }
    });
  });
}

function describe(error: ErrorObject | undefined): string {
  if (error === undefined) return 'does not match the policy schema';
  const where = error.instancePath === '' ? 'policy' : error.instancePath;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where}: unknown key "${String(error.params.additionalProperty)}"`;
    case 'enum':
      return `${where}: must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'required':
      return `${where}: missing "${String(error.params.missingProperty)}"`;
    default:
      return `${where}: ${error.message ?? 'invalid'}`;
  }
}

function errorPath(error: ErrorObject): Path {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  const path: Array<string | number> = segments.map((segment) =>
    /^\d+$/.test(segment) ? Number(segment) : segment,
  );
  if (error.keyword === 'additionalProperties') path.push(String(error.params.additionalProperty));
  return path;
}

/** Line and column of the deepest node along `path` that exists (a key when the value is missing). */
function position(doc: Document, lineCounter: LineCounter, path: Path): { line?: number; column?: number } {
  let node: unknown = doc.contents;
  let offset: number | undefined = (doc.contents as Node | null)?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === segment);
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
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
