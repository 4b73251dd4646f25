// The machine itself: environment dumps (the environment holds the session's tokens), and what makes code run
// later without anyone asking — scheduled jobs, services, login agents. Writing an rc file or a git hook is a
// file write, judged in line.ts by where it lands; these are the programs that install such things.
import { hasOption, parseArgs } from '../argv.js';
import {
  effect,
  unknownEffect,
  type CommandEffect,
  type ProgramClassifier,
  type ProgramInput,
} from '../effect.js';
import { isSecretVariable, SECRET_VARIABLE_CLASS } from '../secrets.js';
import { printedText } from '../shell.js';

const dump = (subcommand: string): CommandEffect =>
  effect({ subcommand, secretOutput: [SECRET_VARIABLE_CLASS] });

/** `env` with no command prints the environment (a command after it is unwrapped before this runs). */
function env({ args }: ProgramInput): CommandEffect {
  return args.some((word) => !word.text.startsWith('-')) ? unknownEffect('env') : dump('env');
}

/** `printenv` prints everything, or the variables it names. */
function printenv({ args }: ProgramInput): CommandEffect {
  const names = args.filter((word) => !word.text.startsWith('-'));
  if (names.length === 0) return dump('printenv');
  return names.some((word) => !word.literal || isSecretVariable(word.text)) ? dump('printenv') : effect();
}

/** `set`, `export`, `declare`/`typeset` with no names (or `-p`) list the variables and their values. */
function shellVariables(listingFlags: RegExp): ProgramClassifier {
  return ({ args }) => {
    const operands = args.filter((word) => !word.text.startsWith('-') && !word.text.startsWith('+'));
    const lists =
      operands.length === 0 && (args.length === 0 || args.every((word) => listingFlags.test(word.text)));
    return lists ? dump('list') : effect();
  };
}

/** `ps e`/`ps -E`/`ps eww`: the environment of every process is printed after its command. */
function ps({ args }: ProgramInput): CommandEffect {
  const withEnvironment = args.some((word) => /^[a-zA-Z]*e[a-zA-Z]*$/.test(word.text) || word.text === '-E');
  return withEnvironment ? dump('ps e') : effect();
}

/** Lines a command reads from the commands piped into it, when the line spells them out. */
function pipedLines(input: ProgramInput): string[] {
  return input.command.stdinFrom
    .map((index) => input.env.line[index])
    .flatMap((upstream) => {
      const text = upstream === undefined ? undefined : (printedText(upstream) ?? upstream.stdinText);
      return text?.literal ? [text.text] : [];
    })
    .concat(input.command.stdinText?.literal ? [input.command.stdinText.text] : []);
}

/** A crontab line minus its schedule: the command cron will run. */
function cronCommands(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(line))
    .map((line) =>
      line.startsWith('@') ? line.replace(/^@\S+\s+/, '') : line.split(/\s+/).slice(5).join(' '),
    )
    .join('\n');
}

function crontab(input: ProgramInput): CommandEffect {
  const args = parseArgs(input.args, new Set(['-u']));
  if (hasOption(args, '-l')) return effect({ subcommand: 'list' });
  if (hasOption(args, '-r'))
    return effect({
      subcommand: 'remove',
      labels: ['persistence', 'deletion', 'destructive'],
      context: { reversibility: 'irreversible' },
    });
  const file = args.operands[0]?.text;
  const installsStdin = file === undefined || file === '-';
  const script = installsStdin ? cronCommands(pipedLines(input).join('\n')) : undefined;
  return effect({
    subcommand: hasOption(args, '-e') ? 'edit' : 'install',
    labels: ['persistence'],
    reads: installsStdin || file === undefined ? [] : [file],
    context: { reversibility: 'unknown' },
    ...(script ? { script } : {}),
  });
}

/** `at`/`batch` run stdin (or `-f FILE`) later. */
function at(input: ProgramInput): CommandEffect {
  const args = parseArgs(input.args, new Set(['-f', '-q', '-t']));
  if (hasOption(args, '-l') || hasOption(args, '-c')) return effect({ subcommand: 'list' });
  const script = pipedLines(input).join('\n');
  return effect({
    subcommand: 'schedule',
    labels: ['persistence'],
    context: { reversibility: 'unknown' },
    ...(script ? { script } : {}),
  });
}

const SYSTEMCTL_READS = /^(status|show|cat|list-.*|is-.*|help|--version)$/;
const SYSTEMCTL_PERSISTS =
  /^(enable|link|preset|reenable|edit|set-property|add-wants|add-requires|daemon-reload|import-environment|set-environment)$/;

function systemctl({ args }: ProgramInput): CommandEffect {
  const verb = args.find((word) => !word.text.startsWith('-'))?.text ?? '';
  if (verb === '' || SYSTEMCTL_READS.test(verb)) return effect({ subcommand: verb });
  if (SYSTEMCTL_PERSISTS.test(verb))
    return effect({ subcommand: verb, labels: ['persistence'], context: { reversibility: 'unknown' } });
  // start, stop, restart, mask…: they run or stop units whose content the guard has not seen.
  return unknownEffect(verb);
}

function launchctl({ args }: ProgramInput): CommandEffect {
  const verb = args[0]?.text ?? '';
  if (/^(list|print|blame|version|help)$/.test(verb)) return effect({ subcommand: verb });
  if (/^(load|bootstrap|enable|submit|setenv)$/.test(verb))
    return effect({ subcommand: verb, labels: ['persistence'], context: { reversibility: 'unknown' } });
  return unknownEffect(verb);
}

export const SYSTEM_PROGRAMS: Record<string, ProgramClassifier> = {
  env,
  printenv,
  set: shellVariables(/^-o$|^\+o$/),
  export: shellVariables(/^-p$/),
  declare: shellVariables(/^-[pxfrg]+$/),
  typeset: shellVariables(/^-[pxfrg]+$/),
  local: shellVariables(/^-p$/),
  readonly: shellVariables(/^-p$/),
  ps,
  crontab,
  at,
  batch: at,
  systemctl,
  launchctl,
  'systemd-run': () =>
    unknownEffect('systemd-run', 'unknown_program', { labels: ['unknown_program', 'persistence'] }),
};
