// The one place that knows which engine reads a policy file. Everything else holds a `Guard`, so the engine
// behind it can be replaced without touching the receiver or the hook. The file is read and parsed once
// (policy/source.ts); its language is told from the parsed document.
import type { Guard } from '../schemas/guard.js';
import { compilePolicy, parsePolicy } from './engine/index.js';
import { ALLOW_ALL, parseRuleFile, RuleFileGuard } from './rule-file.js';
import { PolicySource } from './source.js';

/** Top-level keys only the policy engine's language has (the simple rule file has `version`, `default`,
 * `rules`). */
const ENGINE_KEYS = ['default_route', 'owned', 'classes', 'class_paths'] as const;

/** The guard for `path`; without a path, the allow-all policy (recorded under its own digest). A path that
 * cannot be read is an error, never a silent allow-all. A file in the engine's language (rules with a
 * `modality`, or any of its own top-level keys) is compiled by the policy engine; anything else is read as a
 * simple rule file (rules with a `decision`). Either way an error is a PolicyError naming file, line, column. */
export function loadGuard(path?: string): Guard {
  if (path === undefined) return new RuleFileGuard(ALLOW_ALL);
  const source = PolicySource.read(path);
  return isEngineLanguage(source.value)
    ? compilePolicy(parsePolicy(source))
    : new RuleFileGuard(parseRuleFile(source));
}

function isEngineLanguage(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const document = value as Record<string, unknown>;
  if (ENGINE_KEYS.some((key) => key in document)) return true;
  const rules = document.rules;
  return (
    Array.isArray(rules) &&
    rules.some((rule) => typeof rule === 'object' && rule !== null && 'modality' in (rule as object))
  );
}
