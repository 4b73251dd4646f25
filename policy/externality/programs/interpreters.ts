// Interpreters and runners: programs whose effect is whatever the code they are given does. Code passed inline
// (`python -c`, `node -e`, a heredoc on stdin) is visible but not modelled: it is `inline_code`, scanned for the
// secrets it names. A script file, a make target or a package script is `unknown_program`: the guard has not
// seen its body. Only the few forms whose effect is known (`--version`, `python -m pip …`) are modelled.
import {
  effect,
  unknownEffect,
  type CommandEffect,
  type ProgramClassifier,
  type ProgramInput,
} from '../effect.js';
import type { ShellWord } from '../simple-command.js';
import { PACKAGE_PROGRAMS } from './packages.js';

interface Interpreter {
  /** Options whose value is code to run. */
  codeOptions: ReadonlySet<string>;
  /** Options that take a value that is not code. */
  valueOptions: ReadonlySet<string>;
}

const INTERPRETERS: Record<string, Interpreter> = {
  python: { codeOptions: new Set(['-c']), valueOptions: new Set(['-W', '-X', '-m']) },
  node: {
    codeOptions: new Set(['-e', '--eval', '-p', '--print']),
    valueOptions: new Set(['-r', '--require', '--import', '--loader', '--input-type', '--env-file']),
  },
  perl: { codeOptions: new Set(['-e', '-E']), valueOptions: new Set(['-I', '-M', '-m']) },
  ruby: { codeOptions: new Set(['-e']), valueOptions: new Set(['-I', '-r']) },
  php: { codeOptions: new Set(['-r', '-B', '-R', '-E']), valueOptions: new Set(['-d', '-c']) },
  deno: { codeOptions: new Set(['eval']), valueOptions: new Set() },
  bun: { codeOptions: new Set(['-e', '--eval', '-p', '--print']), valueOptions: new Set() },
  lua: { codeOptions: new Set(['-e']), valueOptions: new Set(['-l']) },
  Rscript: { codeOptions: new Set(['-e']), valueOptions: new Set() },
  osascript: { codeOptions: new Set(['-e']), valueOptions: new Set() },
  pwsh: { codeOptions: new Set(['-c', '-Command', '-command', '-EncodedCommand']), valueOptions: new Set() },
};

const VERSION = /^(--version|-V|-v|--help|-h)$/;

// `python -m MODULE`: modules whose effect another model already knows, or that only compute locally.
const PYTHON_MODULES: Record<string, string | 'local'> = {
  pip: 'pip',
  twine: 'twine',
  venv: 'local',
  'json.tool': 'local',
  py_compile: 'local',
  compileall: 'local',
};

function interpreter(spec: Interpreter, program: string): ProgramClassifier {
  return (input) => {
    const args = input.args;
    for (let at = 0; at < args.length; at++) {
      const word = args[at] as ShellWord;
      const text = word.text;
      // `-e CODE`, `-eCODE`, and bundles ending in the code flag (`perl -ne CODE`).
      const bundled = word.literal && spec.codeOptions.has('-e') && /^-[A-Za-z]+e$/.test(text);
      if (spec.codeOptions.has(text) || bundled) return inlineCode(args[at + 1], input);
      const attached = [...spec.codeOptions].find(
        (option) => short(option) && word.literal && text.startsWith(option) && text.length > 2,
      );
      if (attached !== undefined) return inlineCode({ ...word, text: text.slice(2) }, input);
      if (program === 'python' && text === '-m') return pythonModule(args.slice(at + 1), input);
      if (spec.valueOptions.has(text)) {
        at += 1;
        continue;
      }
      if (VERSION.test(text) && at === args.length - 1) return effect({ subcommand: text });
      if (text === '-') return inlineCode(input.command.stdinText, input);
      if (!text.startsWith('-') || !word.literal) {
        // A script file: its body is not something the guard has seen.
        return unknownEffect(text, 'unknown_program', { reads: word.literal ? [text] : [] });
      }
    }
    // No script: the interpreter runs what arrives on stdin.
    return inlineCode(input.command.stdinText, input);
  };
}

const short = (option: string): boolean => /^-[A-Za-z]$/.test(option);

function inlineCode(code: ShellWord | undefined, input: ProgramInput): CommandEffect {
  if (code === undefined) return unknownEffect('', 'inline_code');
  // `$X` in the code expands before the interpreter sees it: a secret variable there is handed over.
  return unknownEffect('', 'inline_code', {
    code: [code.text],
    payload: code.literal ? [] : [code.text],
    reads: input.command.redirects
      .filter((r) => r.kind === 'read' && r.target?.literal)
      .map((r) => r.target?.text ?? ''),
  });
}

function pythonModule(rest: ShellWord[], input: ProgramInput): CommandEffect {
  const module = rest[0]?.literal ? rest[0].text : '';
  const known = PYTHON_MODULES[module];
  if (known === 'local') return effect({ subcommand: module });
  const model = known === undefined ? undefined : PACKAGE_PROGRAMS[known];
  if (model === undefined) return unknownEffect(module, 'unknown_program');
  return model({ ...input, args: rest.slice(1) });
}

export const INTERPRETER_PROGRAMS: Record<string, ProgramClassifier> = {
  ...Object.fromEntries(
    Object.entries(INTERPRETERS).map(([program, spec]) => [program, interpreter(spec, program)]),
  ),
  python3: interpreter(INTERPRETERS.python as Interpreter, 'python'),
  python2: interpreter(INTERPRETERS.python as Interpreter, 'python'),
  nodejs: interpreter(INTERPRETERS.node as Interpreter, 'node'),
  powershell: interpreter(INTERPRETERS.pwsh as Interpreter, 'pwsh'),
};
