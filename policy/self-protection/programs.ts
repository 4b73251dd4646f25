// The program a simple command runs, looking through the wrappers that run another program (`env`, `sudo`,
// `timeout 5`, `xargs`, `npx`, …), and the words it is given.
import { basename, literalText, type SimpleCommand, type Word } from './shell-words.js';

export interface Invocation {
  /** The program's basename; undefined when its name is not known statically. */
  program: string | undefined;
  /** The word naming it. */
  word: Word | undefined;
  args: Word[];
  /** Run through xargs: more arguments come from stdin, unseen. */
  viaXargs: boolean;
}

/** Wrappers and how many words (after their own flags) they consume before the program. */
const WRAPPERS: Record<string, number> = {
  env: 0,
  sudo: 0,
  doas: 0,
  nohup: 0,
  nice: 0,
  exec: 0,
  command: 0,
  builtin: 0,
  time: 0,
  stdbuf: 0,
  setsid: 0,
  ionice: 0,
  chrt: 1,
  taskset: 1,
  timeout: 1,
  watch: 0,
  xargs: 0,
  unbuffer: 0,
  script: 0,
  flock: 1,
  caffeinate: 0,
  strace: 0,
  ltrace: 0,
  firejail: 0,
  'run-one': 0,
};

/** Package runners: the next word is a package whose binary runs. */
const RUNNERS = new Set(['npx', 'pnpx', 'bunx']);

export function invocationOf(command: SimpleCommand): Invocation {
  const words = command.words;
  let i = 0;
  let viaXargs = false;
  while (i < words.length) {
    const name = literalText(words[i]!);
    if (name === undefined) return { program: undefined, word: words[i], args: words.slice(i + 1), viaXargs };
    const program = basename(name);
    const skip = WRAPPERS[program];
    if (skip === undefined) {
      if (
        RUNNERS.has(program) ||
        ((program === 'npm' || program === 'pnpm' || program === 'yarn') && isExec(words[i + 1]))
      ) {
        i += RUNNERS.has(program) ? 1 : 2;
        while (i < words.length && (literalText(words[i]!) ?? '').startsWith('-')) i += 1;
        continue;
      }
      return { program, word: words[i], args: words.slice(i + 1), viaXargs };
    }
    if (program === 'xargs') viaXargs = true;
    i += 1;
    // The wrapper's own options and VAR=value (env), then its fixed operands (timeout's duration).
    while (i < words.length) {
      const text = literalText(words[i]!) ?? '';
      if (text.startsWith('-') || (program === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(text))) i += 1;
      else break;
    }
    i += skip;
  }
  return { program: undefined, word: undefined, args: [], viaXargs };
}

function isExec(word: Word | undefined): boolean {
  const text = word === undefined ? undefined : literalText(word);
  return text === 'exec' || text === 'dlx' || text === 'x';
}
