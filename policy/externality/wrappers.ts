// Commands that run another command: `sudo rm -rf /` deletes, `env X=1 curl …` talks to the network,
// `bash -c 'git push'` pushes. Peeling them off is what lets the classifier judge the command that runs.
import type { ShellWord } from './simple-command.js';

export interface Unwrapped {
  argv: ShellWord[];
  assignments: Record<string, ShellWord>;
  wrappers: string[];
  /** A script the shell will run (`bash -c SCRIPT`, `eval WORDS`), for the parser to recurse into. */
  script?: ShellWord;
  opaque: boolean;
  /** The shell runs what arrives on its stdin (`… | sh`, `bash -s`, `bash <<EOF`). */
  runsStdin: boolean;
  /** Files a wrapper reads the command's arguments from (`xargs -a FILE`): like a redirection of stdin. */
  argumentFiles: ShellWord[];
  openArgv: boolean;
}

interface WrapperSpec {
  /** Options that take the next word as their value. */
  valueOptions: ReadonlySet<string>;
  /** Positional words the wrapper itself consumes before the command (`timeout DURATION cmd`). */
  leadingOperands?: number;
  /** `env` takes NAME=value words before the command. */
  takesAssignments?: boolean;
}

const WRAPPERS: Record<string, WrapperSpec> = {
  sudo: {
    valueOptions: new Set([
      '-u',
      '-g',
      '-h',
      '-p',
      '-C',
      '-D',
      '-r',
      '-t',
      '-U',
      '-T',
      '--user',
      '--group',
      '--host',
      '--prompt',
      '--chdir',
    ]),
  },
  doas: { valueOptions: new Set(['-u', '-C']) },
  env: {
    valueOptions: new Set(['-u', '--unset', '-C', '--chdir', '-S', '--split-string']),
    takesAssignments: true,
  },
  nohup: { valueOptions: new Set() },
  time: { valueOptions: new Set(['-f', '--format', '-o', '--output']) },
  nice: { valueOptions: new Set(['-n', '--adjustment']) },
  ionice: { valueOptions: new Set(['-c', '-n', '-p', '--class', '--classdata']) },
  timeout: { valueOptions: new Set(['-s', '--signal', '-k', '--kill-after']), leadingOperands: 1 },
  stdbuf: { valueOptions: new Set(['-i', '-o', '-e']) },
  command: { valueOptions: new Set() },
  coproc: { valueOptions: new Set() },
  setsid: { valueOptions: new Set() },
  watch: { valueOptions: new Set(['-n', '--interval', '-d', '--differences']) },
  exec: { valueOptions: new Set(['-a']) },
  builtin: { valueOptions: new Set() },
  xargs: {
    valueOptions: new Set([
      '-I',
      '-L',
      '-n',
      '-P',
      '-d',
      '-E',
      '-s',
      '-a',
      '--arg-file',
      '--delimiter',
      '--max-args',
      '--max-procs',
      '--replace',
    ]),
  },
};

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish']);
// Shell options that take a value (`bash -o pipefail -c …`).
const SHELL_VALUE_OPTIONS = new Set(['-o', '+o', '-O', '+O', '--rcfile', '--init-file']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/s;

export function unwrapCommand(words: ShellWord[]): Unwrapped {
  const result: Unwrapped = {
    argv: words,
    assignments: {},
    wrappers: [],
    opaque: false,
    runsStdin: false,
    openArgv: false,
    argumentFiles: [],
  };
  for (;;) {
    const program = programName(result.argv[0]);
    const spec = program === undefined ? undefined : WRAPPERS[program];
    if (program === undefined || spec === undefined) break;
    // `command -v curl` looks a program up; it runs nothing.
    if (program === 'command' && /^-[vV]$/.test(result.argv[1]?.text ?? '')) break;
    const rest = skipOptions(result.argv.slice(1), spec, result.assignments);
    result.wrappers.push(program);
    if (program === 'xargs') {
      result.openArgv = true;
      const at = result.argv.findIndex((word) => word.text === '-a' || word.text === '--arg-file');
      const file = at === -1 ? undefined : result.argv[at + 1];
      if (file !== undefined) result.argumentFiles.push(file);
    }
    // `sudo -i` / `sudo -s` without a command start a shell we cannot see into.
    if (rest.length === 0) {
      result.opaque = program === 'sudo' || program === 'doas';
      result.argv = result.argv.slice(0, 1);
      return result;
    }
    result.argv = rest;
  }
  const program = programName(result.argv[0]);
  if (program !== undefined && SHELLS.has(program)) return { ...result, ...shellScript(result.argv) };
  if (program === 'eval') return { ...result, script: joinWords(result.argv.slice(1)) };
  if (program === 'source' || program === '.') return { ...result, opaque: true };
  return result;
}

/** The program's name as the shell resolves it: `/usr/bin/sudo` is `sudo`. Undefined when not literal. */
export function programName(word: ShellWord | undefined): string | undefined {
  if (word === undefined || !word.literal) return undefined;
  const slash = word.text.lastIndexOf('/');
  return slash === -1 ? word.text : word.text.slice(slash + 1);
}

function skipOptions(
  words: ShellWord[],
  spec: WrapperSpec,
  assignments: Record<string, ShellWord>,
): ShellWord[] {
  let index = 0;
  let operands = spec.leadingOperands ?? 0;
  while (index < words.length) {
    const text = (words[index] as ShellWord).text;
    if (text === '--') return words.slice(index + 1);
    if (spec.valueOptions.has(text)) {
      index += 2;
    } else if (text.startsWith('-') && text.length > 1) {
      index += 1;
    } else if (spec.takesAssignments && ASSIGNMENT.test(text)) {
      const word = words[index] as ShellWord;
      const eq = text.indexOf('=');
      assignments[text.slice(0, eq)] = { ...word, text: text.slice(eq + 1), start: word.start + eq + 1 };
      index += 1;
    } else if (operands > 0) {
      operands -= 1;
      index += 1;
    } else {
      break;
    }
  }
  return words.slice(index);
}

/** `bash [opts] -c SCRIPT` runs SCRIPT; `bash FILE` runs code the parser cannot see; `bash`, `bash -s` and
 * `bash -` run their stdin, which the parser sees only when the line spells it out. */
function shellScript(argv: ShellWord[]): Pick<Unwrapped, 'script' | 'opaque' | 'runsStdin'> {
  for (let index = 1; index < argv.length; index++) {
    const word = argv[index] as ShellWord;
    const text = word.text;
    if (SHELL_VALUE_OPTIONS.has(text)) {
      index += 1;
    } else if (word.literal && /^-[A-Za-z]*c[A-Za-z]*$/.test(text)) {
      const script = argv[index + 1];
      return script === undefined
        ? { opaque: true, runsStdin: false }
        : { script, opaque: false, runsStdin: false };
    } else if (text === '-' || (word.literal && /^-[A-Za-z]*s[A-Za-z]*$/.test(text))) {
      return { opaque: true, runsStdin: true };
    } else if (!word.literal || (!text.startsWith('-') && !text.startsWith('+'))) {
      return { opaque: true, runsStdin: false };
    }
  }
  return { opaque: true, runsStdin: true };
}

function joinWords(words: ShellWord[]): ShellWord | undefined {
  const first = words[0];
  const last = words[words.length - 1];
  if (first === undefined || last === undefined) return undefined;
  return {
    text: words.map((word) => word.text).join(' '),
    literal: words.every((word) => word.literal),
    start: first.start,
    end: last.end,
  };
}
