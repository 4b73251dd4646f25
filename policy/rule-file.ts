// The simple guard: a YAML rule file of allow/deny rules over the hook event, the tool name, the shell command
// and the cwd.
// It sits behind the `Guard` interface so a richer engine can replace it without touching ingest or bundles.
import { canonicalDigest } from '../schemas/digest.js';
import type { Guard, GuardDecision, GuardRequest } from '../schemas/guard.js';
import { policySchemaValidator, PolicySource } from './source.js';

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

const validateRuleFile = policySchemaValidator<RuleFile>('rule-file.schema.json');

/** Parses and validates rule-file text; `name` names the file in error messages. */
export function parseRuleFile(input: PolicySource | string, name = 'rule file'): RuleFile {
  const source: PolicySource = typeof input === 'string' ? PolicySource.parse(input, name) : input;
  const value = source.value;
  if (value === null || value === undefined) return ALLOW_ALL;
  source.validate(validateRuleFile, value, 'rule file');
  const seen = new Set<string>();
  value.rules.forEach((rule, index) => {
    // matched_rules and deciding_rule name rules by id, so an id must name exactly one rule.
    if (seen.has(rule.id))
      source.fail('POLICY_INVALID', `duplicate rule id "${rule.id}"`, ['rules', index, 'id']);
    seen.add(rule.id);
    for (const field of ['event', 'tool', 'command', 'cwd'] as const) {
      const pattern = rule[field];
      if (pattern === undefined) continue;
      try {
        compilePattern(pattern);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        source.fail('POLICY_INVALID', `rule "${rule.id}": ${field}: ${why}`, ['rules', index, field]);
      }
    }
  });
  return value;
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
