// One name per tool: a runtime can name the same tool differently on its different channels — Codex 0.169.0
// calls its shell tool `exec_command` in its logs, spans and the model's function call, and `Bash` in hook stdin
// (test/fixtures/codex-0.169.0: every scenario). A bundle names the tool by its canonical name, whichever record
// arrived first, and keeps the runtime's other names as aliases (schemas/bundle.ts#Summary).
import type { RuntimeFamily } from './observation.js';

/** Per runtime family: a runtime's name for a tool → the canonical name (the name the model calls it by). */
const ALIASES: Partial<Record<RuntimeFamily, Readonly<Record<string, string>>>> = {
  tool_hook: { Bash: 'exec_command' },
};

export function canonicalToolName(family: RuntimeFamily, name: string): string {
  return ALIASES[family]?.[name] ?? name;
}

/** The canonical name of the names one action's records carry, and the others as aliases (sorted); a runtime
 * name this table does not know is its own canonical name. Null when no record names the tool. When the
 * records name tools that are not aliases of one another, the first canonical name in sort order is chosen and
 * the rest are aliases, so the result never depends on arrival order. */
export function toolNames(
  family: RuntimeFamily,
  names: Iterable<string>,
): { canonical: string | null; aliases: string[] } {
  const seen = [...new Set(names)];
  const canonical = [...new Set(seen.map((name) => canonicalToolName(family, name)))].sort()[0] ?? null;
  return { canonical, aliases: seen.filter((name) => name !== canonical).sort() };
}
