// proofline's own control commands, however they are started: `proofline approve`, the installed binary by
// path, `npx proofline`, `node …/dist/cli/main.js`, or a program name or subcommand that is not known
// statically. The read-only commands (verify, report, help, version) are left to the policy.
import { basename, literalText, type Word } from './shell-words.js';
import type { Invocation } from './programs.js';

export const CONTROL_SUBCOMMANDS = [
  'approve',
  'approvals',
  'keygen',
  'serve',
  'ingest',
  'assemble',
  'init',
  'hook',
  'demo',
  'eval',
];
const INTERPRETERS = new Set(['node', 'nodejs', 'tsx', 'ts-node', 'bun', 'deno']);

/** A control command in code an interpreter runs, or in a tool's input: the name beside a subcommand. */
const IN_TEXT = new RegExp(
  `(?:\\bproofline|cli/main\\.[cm]?[jt]s)["'\\s,\\]\\[]*(?:${CONTROL_SUBCOMMANDS.join('|')})\\b`,
);

/** Why the invocation runs a proofline control command, or undefined. `cliPaths`: where the CLI is installed. */
export function controlCommand(invocation: Invocation, cliPaths: readonly string[]): string | undefined {
  const { program, word, args } = invocation;
  let rest: Word[] | undefined;
  // How sure it is that the program is proofline: a program not known statically could be, when it is handed
  // one of proofline's control subcommands.
  let certain = true;
  if (program === undefined) {
    rest = word === undefined ? undefined : args;
    certain = false;
  } else if (program === 'proofline' || isCliPath(literalText(word!) ?? '', cliPaths)) {
    rest = args;
  } else if (INTERPRETERS.has(program)) {
    const script = args.findIndex((a) => !(literalText(a) ?? '').startsWith('-'));
    const path = script < 0 ? undefined : literalText(args[script]!);
    if (script >= 0 && (path === undefined || isCliPath(path, cliPaths))) {
      rest = args.slice(script + 1);
      certain = path !== undefined;
    }
  }
  if (rest === undefined) return undefined;
  const sub = rest.find((a) => !(literalText(a) ?? 'x').startsWith('-'));
  const name = sub === undefined ? undefined : literalText(sub);
  if (name !== undefined && CONTROL_SUBCOMMANDS.includes(name))
    return `runs proofline's control command "${name}"`;
  return certain && sub !== undefined && name === undefined
    ? 'runs proofline with a subcommand not known statically'
    : undefined;
}

/** Why a piece of code or a tool input runs a proofline control command, or undefined. */
export function controlCommandInText(text: string): string | undefined {
  const match = IN_TEXT.exec(text);
  return match ? `runs proofline's control command (${match[0].trim()})` : undefined;
}

/** The CLI's entry point or binary, by path, or any `cli/main.js` inside a directory named proofline. */
function isCliPath(path: string, cliPaths: readonly string[]): boolean {
  if (basename(path) === 'proofline') return true;
  if (cliPaths.some((cli) => path === cli || path.endsWith(`/${relativeTail(cli)}`))) return true;
  return /(^|\/)proofline\/(?:.*\/)?cli\/main\.[cm]?[jt]s$/.test(path);
}

function relativeTail(path: string): string {
  return path.split('/').slice(-3).join('/');
}
