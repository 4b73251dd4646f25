// The simple guard: a YAML rule file of allow/deny rules over the hook event, the tool name, the shell command
// and the cwd.
// It sits behind the `Guard` interface so a richer engine can replace it without touching ingest or bundles.
import { readFileSync } from 'node:fs';

import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';

import { canonicalDigest } from '../schemas/digest.js';
import type { Guard, GuardDecision, GuardRequest } from '../schemas/guard.js';

export type RuleDecision = 'allow' | 'deny';

export interface Rule {
  id: string;
  /** Glob over the whole value, or `/regex/flags` searched within it. */
  event?: string;
  tool?: string;
  command?: string;
  cwd?: string;
  decision: RuleDecision;
  reason?: string;
}

/** A parsed rule file with its defaults filled in: the form whose canonical JSON is the policy digest. */
export interface RuleFile {
  version: 1;
  default: RuleDecision;
  rules: Rule[];
}

/** What an empty or absent rule file means: every call is allowed, and the bundles say so by its digest. */
export const ALLOW_ALL: RuleFile = { version: 1, default: 'allow', rules: [] };

export class RuleFileError extends Error {
  readonly code = 'RULE_FILE_INVALID';
  constructor(
    readonly source: string,
    readonly problem: string,
    /** 1-based line in the rule file, when the problem can be pinned to one. */
    readonly line?: number,
  ) {
    super(`${source}${line === undefined ? '' : `:${line}`}: ${problem}`);
    this.name = 'RuleFileError';
  }
}

const ruleFileSchema = JSON.parse(
  readFileSync(new URL('../schemas/json/rule-file.schema.json', import.meta.url), 'utf8'),
) as object;
// useDefaults fills `default: allow` and `rules: []`, so the digest covers the policy as it is applied.
const validateRuleFile = new Ajv({ useDefaults: true }).compile<RuleFile>(ruleFileSchema);

/** Parses and validates rule-file text; `source` names the file in error messages. */
export function parseRuleFile(text: string, source: string): RuleFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    throw new RuleFileError(
      source,
      syntaxError.message.split('\n')[0] ?? 'YAML syntax error',
      lineCounter.linePos(syntaxError.pos[0]).line,
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return ALLOW_ALL;

  const lineOf = (path: readonly (string | number)[]): number | undefined => nodeLine(doc, lineCounter, path);
  if (!validateRuleFile(value)) {
    const error = validateRuleFile.errors?.[0];
    throw new RuleFileError(
      source,
      describeSchemaError(error),
      error ? lineOf(schemaErrorPath(error)) : undefined,
    );
  }

  const seen = new Set<string>();
  value.rules.forEach((rule, index) => {
    // matched_rules and deciding_rule name rules by id, so an id must name exactly one rule.
    if (seen.has(rule.id))
      throw new RuleFileError(source, `duplicate rule id "${rule.id}"`, lineOf(['rules', index, 'id']));
    seen.add(rule.id);
    for (const field of ['event', 'tool', 'command', 'cwd'] as const) {
      const pattern = rule[field];
      if (pattern === undefined) continue;
      try {
        compilePattern(pattern);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new RuleFileError(
          source,
          `rule "${rule.id}": ${field}: ${why}`,
          lineOf(['rules', index, field]),
        );
      }
    }
  });
  return value;
}

function schemaErrorPath(error: ErrorObject): (string | number)[] {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  // Point at the offending key itself, not at the map that holds it.
  if (error.keyword === 'additionalProperties') path.push(String(error.params.additionalProperty));
  return path;
}

function describeSchemaError(error: ErrorObject | undefined): string {
  if (!error) return 'does not match the rule-file schema';
  const where = error.instancePath === '' ? 'rule file' : error.instancePath.slice(1).replace(/\//g, '.');
  if (error.keyword === 'additionalProperties')
    return `${where}: unknown field "${String(error.params.additionalProperty)}"`;
  if (error.keyword === 'enum')
    return `${where}: must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`;
  if (error.keyword === 'const') return `${where}: must be ${JSON.stringify(error.params.allowedValue)}`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** The line of the deepest YAML node on `path`: a map entry's key, a sequence item (a missing key falls back to
 * its parent's line). */
function nodeLine(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly (string | number)[],
): number | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
    const step = path[depth - 1];
    const node = isMap(parent)
      ? parent.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(step))?.key
      : isSeq(parent)
        ? parent.items[Number(step)]
        : undefined;
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]).line : undefined;
}

type Matcher = (value: string) => boolean;

/** `/body/flags` is a regular expression searched within the value; anything else is a whole-value glob. */
function compilePattern(pattern: string): Matcher {
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  if (regex) {
    const flags = regex[2] ?? '';
    // `g` and `y` make RegExp.test stateful across calls, which would make a decision depend on the last one.
    if (/[gy]/.test(flags)) throw new Error(`regex flags g and y are not allowed (${pattern})`);
    const compiled = new RegExp(regex[1] ?? '', flags);
    return (value) => compiled.test(value);
  }
  const body = pattern
    .split('')
    .map((char) =>
      char === '*' ? '[\\s\\S]*' : char === '?' ? '[\\s\\S]' : char.replace(/[\\^$.|+()[\]{}/-]/g, '\\$&'),
    )
    .join('');
  const compiled = new RegExp(`^${body}$`);
  return (value) => compiled.test(value);
}

interface CompiledRule {
  rule: Rule;
  conditions: Array<[keyof Pick<GuardRequest, 'event' | 'tool_name' | 'command' | 'cwd'>, Matcher]>;
}

export class RuleFileGuard implements Guard {
  readonly policyDigest: string;
  private readonly compiled: CompiledRule[];

  constructor(private readonly policy: RuleFile = ALLOW_ALL) {
    this.policyDigest = canonicalDigest(policy);
    this.compiled = policy.rules.map((rule) => ({
      rule,
      conditions: (
        [
          ['event', rule.event],
          ['tool_name', rule.tool],
          ['command', rule.command],
          ['cwd', rule.cwd],
        ] as const
      )
        .filter(
          (entry): entry is readonly [CompiledRule['conditions'][number][0], string] =>
            entry[1] !== undefined,
        )
        .map(([field, pattern]) => [field, compilePattern(pattern)]),
    }));
  }

  decide(request: GuardRequest): GuardDecision {
    // A condition on something the request does not carry (no shell command, no cwd) does not match.
    const matched = this.compiled
      .filter(({ conditions }) =>
        conditions.every(([field, matches]) => {
          const value = request[field];
          return value !== undefined && matches(value);
        }),
      )
      .map(({ rule }) => rule);
    // Prohibition overrides permission: the first matching deny decides, else the first matching allow.
    const deciding =
      matched.find((rule) => rule.decision === 'deny') ?? matched.find((rule) => rule.decision === 'allow');
    const verdict = deciding?.decision ?? this.policy.default;
    return {
      route: verdict === 'deny' ? 'block' : 'allow',
      verdict,
      reason: deciding
        ? (deciding.reason ?? `rule ${deciding.id} ${verdict === 'deny' ? 'denies' : 'allows'} this call`)
        : `no rule matched; the policy default is ${verdict}`,
      matched_rules: matched.map((rule) => rule.id),
      ...(deciding ? { deciding_rule: deciding.id } : {}),
      policy_digest: this.policyDigest,
    };
  }
}
