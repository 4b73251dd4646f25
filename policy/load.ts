// The one place that knows which engine reads a policy file. Everything else holds a `Guard`, so the engine
// behind it can be replaced without touching the receiver or the hook.
import { readFileSync } from 'node:fs';

import type { Guard } from '../schemas/guard.js';
import { ALLOW_ALL, parseRuleFile, RuleFileError, RuleFileGuard } from './rule-file.js';

/** The guard for `path`; without a path, the allow-all policy (recorded under its own digest). A path that
 * cannot be read is an error, never a silent allow-all. */
export function loadGuard(path?: string): Guard {
  if (path === undefined) return new RuleFileGuard(ALLOW_ALL);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RuleFileError(
      path,
      `cannot read rule file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return new RuleFileGuard(parseRuleFile(text, path));
}
