// What one program invocation does, as each family classifier reports it; classify.ts turns these into X(a).
import type { ExternalityContext } from '../../schemas/guard.js';
import type { Ownership } from './destination.js';
import type { ShellWord, SimpleCommand } from './simple-command.js';

export type CommandContext = Omit<ExternalityContext, 'enforceability_class'>;

/** A text edit on the original command line that turns the command into its dry-run form. */
export interface DryRunEdit {
  start: number;
  end: number;
  text: string;
}

export interface CommandEffect {
  /** Fields not given are those of a purely local action (see LOCAL_CONTEXT). */
  context: Partial<CommandContext>;
  labels: string[];
  /** Paths as written in the command; classify.ts resolves them against cwd. */
  reads: string[];
  writes: string[];
  /** Local files whose content the command sends away (`curl -d @file`, `scp file host:`). */
  uploads: string[];
  /** Words the command sends away as data (`-d "$TOKEN"`), checked for secret variables. */
  payload: string[];
  subcommand?: string;
  dryRun?: DryRunEdit;
  /** Key files the client authenticates with (`ssh -i key`): used, not read out, so not a secret read. */
  credentialFiles?: string[];
  /** Data classes of what the command prints from somewhere other than a file: an environment dump, a key
   * store's export, a search for secrets. Printing them reads them. */
  secretOutput?: string[];
  /** Directories read recursively and whole (archives, recursive copies): their secret files go along. */
  trees?: string[];
  /** Code the command runs that proofline does not model but can read (`python -c CODE`, a heredoc fed to an
   * interpreter, text written to a shell rc file): scanned for the secrets it names. */
  code?: string[];
  /** Shell text the command will run later or elsewhere (a cron line, an rc file, `find -exec`): classified
   * as commands of the line, so what it would do is judged now. */
  script?: string;
  /** Command lines (argv) the command runs itself (`find -exec`, `xargs`): classified as commands of the line. */
  runs?: ShellWord[][];
  /** The git remotes it defines (`git remote add NAME URL`), for later commands on the line. */
  defines?: Record<string, string>;
}

export interface ProgramInput {
  command: SimpleCommand;
  /** argv without the program. */
  args: ShellWord[];
  env: ClassifyEnv;
}

export interface ClassifyEnv {
  ownership: Ownership;
  /** The URL a git remote name (or, undefined, the default push remote) stands for in the repo at cwd. */
  gitRemoteUrl(remote: string | undefined): string | undefined;
  /** The line's commands, for a model that reads what another one printed (`crontab -`, `| xargs`). */
  line: readonly SimpleCommand[];
}

export type ProgramClassifier = (input: ProgramInput) => CommandEffect;

export const LOCAL_CONTEXT: CommandContext = {
  destination_type: 'none',
  destination_visibility: 'none',
  destination_ownership: 'none',
  tenant_provenance: 'none',
  account_provenance: 'none',
  client_provenance: 'known_cli',
  external_write: 'no',
  sensitive_payload: 'no',
  reversibility: 'reversible',
};

export const UNKNOWN_CONTEXT: CommandContext = {
  destination_type: 'unknown',
  destination_visibility: 'unknown',
  destination_ownership: 'unknown',
  tenant_provenance: 'unknown',
  account_provenance: 'unknown',
  client_provenance: 'unknown',
  external_write: 'unknown',
  sensitive_payload: 'unknown',
  reversibility: 'unknown',
};

export function effect(partial: Partial<CommandEffect> = {}): CommandEffect {
  return { context: {}, labels: [], reads: [], writes: [], uploads: [], payload: [], ...partial };
}

/** The effect of a program, or a form of one, that proofline does not model: every field unknown. A
 * simple command is local only when its program and the form of its arguments are known (README, "What
 * the guard assumes about what it does not know"). */
export function unknownEffect(
  subcommand?: string,
  label: 'unknown_program' | 'inline_code' = 'unknown_program',
  extra: Partial<CommandEffect> = {},
): CommandEffect {
  return effect({
    context: UNKNOWN_CONTEXT,
    labels: [label],
    ...(subcommand === undefined ? {} : { subcommand }),
    ...extra,
  });
}

/** Literal text of the first operand, if any. */
export function literalText(word: ShellWord | undefined): string | undefined {
  return word?.literal ? word.text : undefined;
}

/** Insert `text` right after `word`: the dry-run flag goes after the subcommand, before any `--`. */
export function insertAfter(
  command: SimpleCommand,
  word: ShellWord | undefined,
  text: string,
): DryRunEdit | undefined {
  if (!command.topLevel || word === undefined) return undefined;
  return { start: word.end, end: word.end, text };
}

/** Split `[global options] SUBCOMMAND rest…` given the global options that take a value. */
export function splitSubcommand(
  args: ShellWord[],
  globalValueOptions: ReadonlySet<string>,
): { subcommand: ShellWord | undefined; rest: ShellWord[] } {
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as ShellWord;
    if (globalValueOptions.has(word.text)) {
      index += 1;
    } else if (!word.text.startsWith('-') || !word.literal) {
      return { subcommand: word, rest: args.slice(index + 1) };
    }
  }
  return { subcommand: undefined, rest: [] };
}
