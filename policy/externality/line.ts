// A shell command line's simple commands, each judged on its own by the model of its program: what it reads,
// writes and sends, where it goes, and which labels it carries. Nothing here depends on the session, so the
// result is cached by command text and cwd facts (classify.ts); what the session's secrets do to it is flow.ts's.
import { posix } from 'node:path';

import type { CommandContext, CommandEffect, ProgramClassifier } from './effect.js';
import { effect, LOCAL_CONTEXT, unknownEffect } from './effect.js';
import type { Ownership } from './destination.js';
import { hostDestination } from './destination.js';
import { persistenceOf } from './persistence.js';
import { CLOUD_PROGRAMS } from './programs/cloud.js';
import { DATABASE_PROGRAMS } from './programs/database.js';
import { FILE_PROGRAMS, findMatches, METADATA_PROGRAMS } from './programs/files.js';
import { FORGE_PROGRAMS } from './programs/forge.js';
import { classifyGit } from './programs/git.js';
import { INTERPRETER_PROGRAMS } from './programs/interpreters.js';
import { KEY_STORE_PROGRAMS } from './programs/key-stores.js';
import { NETWORK_PROGRAMS } from './programs/network.js';
import { PACKAGE_PROGRAMS } from './programs/packages.js';
import { SYSTEM_PROGRAMS } from './programs/system.js';
import {
  isSecretVariable,
  secretLiteralClasses,
  secretNamesInCode,
  secretVariablesIn,
  SECRET_VARIABLE_CLASS,
  type SecretPaths,
} from './secrets.js';
import { parseCommandLine, printedText } from './shell.js';
import type { ShellWord, SimpleCommand } from './simple-command.js';
import { programName, unwrapCommand } from './wrappers.js';

const PROGRAMS: Record<string, ProgramClassifier> = {
  ...FILE_PROGRAMS,
  ...NETWORK_PROGRAMS,
  ...PACKAGE_PROGRAMS,
  ...CLOUD_PROGRAMS,
  ...DATABASE_PROGRAMS,
  ...INTERPRETER_PROGRAMS,
  ...KEY_STORE_PROGRAMS,
  ...FORGE_PROGRAMS,
  ...SYSTEM_PROGRAMS,
  git: classifyGit,
};

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'eval', 'source', '.']);
const INTERPRETERS = new Set([
  ...SHELLS,
  'python',
  'python3',
  'python2',
  'node',
  'perl',
  'ruby',
  'php',
  'deno',
  'bun',
]);
const DOWNLOADERS = new Set([
  'curl',
  'wget',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'fetch',
  'http',
  'https',
  'xh',
]);
const HARMLESS_WRITE_TARGETS = /^\/dev\/(null|stdout|stderr|tty|fd\/\d+)$/;
const NET_REDIRECT = /^\/dev\/(tcp|udp)\/([^/]+)\/(\d+)$/;
// Environment variables whose value a program runs as a shell command.
const COMMAND_VARIABLES = new Set([
  'GIT_SSH_COMMAND',
  'GIT_PROXY_COMMAND',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'GIT_EXTERNAL_DIFF',
  'GIT_PAGER',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'PAGER',
  'EDITOR',
  'VISUAL',
  'PROMPT_COMMAND',
  'BASH_ENV',
  'ENV',
  'RSYNC_RSH',
]);
// A line holding more commands than this (a script pasted as one command) is judged as far as this.
const MAX_COMMANDS = 256;

export interface LineConfig {
  ownership: Ownership;
  secrets: SecretPaths;
  cwd: string | undefined;
  workspaceRoot: string | undefined;
  gitRemoteUrl: (remote: string | undefined) => string | undefined;
}

/** One simple command as its program's model sees it, paths resolved; the same whatever the session. */
export interface StaticCommand {
  command: SimpleCommand;
  program: string;
  subcommand: string;
  flags: string[];
  context: CommandContext;
  labels: string[];
  /** Files it reads (uploads included), writes, and sends away, resolved against cwd. */
  reads: string[];
  writes: string[];
  uploads: string[];
  /** Data classes of what it reads or prints whatever the session: secret files, key stores, secret
   * variables it expands, secrets spelled out in its words. */
  classes: string[];
  /** Data classes of what it prints without reading a file for it (an environment dump, a key store's
   * export, a search for secrets): received by whatever its output reaches, not sent by it. */
  printed: string[];
  /** Secrets spelled out in what it sends (key formats, secret variables): a payload that is certainly one. */
  sendsSecret: boolean;
  /** Its effects are not modelled: whatever reaches it may go anywhere. */
  unknown: boolean;
  /** A network client: what reaches it may leave the machine. */
  egress: boolean;
  dryRun: CommandEffect['dryRun'];
}

export function analyseLine(commandLine: string, config: LineConfig): StaticCommand[] {
  const commands = parseCommandLine(commandLine).commands;
  const remotes: Record<string, string> = {};
  const gitRemoteUrl = (remote: string | undefined): string | undefined =>
    (remote !== undefined ? remotes[remote] : undefined) ?? config.gitRemoteUrl(remote);
  const out: StaticCommand[] = [];
  const downloaded = new Set<string>();
  for (let at = 0; at < commands.length && at < MAX_COMMANDS; at++) {
    const command = withStdinArguments(commands[at] as SimpleCommand, commands);
    commands[at] = command;
    const programEffect = modelOf(command, commands, config.ownership, gitRemoteUrl);
    Object.assign(remotes, programEffect.defines ?? {});
    // What a command runs itself, or leaves to run later, is judged as commands of this line.
    for (const argv of programEffect.runs ?? []) commands.push(nested(argv, command, commands.length));
    // `GIT_SSH_COMMAND="…" git fetch`: a variable the program runs as a command.
    for (const [name, value] of Object.entries(command.assignments))
      if (COMMAND_VARIABLES.has(name) && value.literal)
        commands.push(...reparse(value.text, command, commands.length));
    const persisted = persistedScript(command, programEffect, config);
    if (persisted !== undefined) commands.push(...reparse(persisted, command, commands.length));
    const judged = judge(command, programEffect, config, commands, downloaded);
    // What a downloader saves is untrusted code if a later command of the line runs it.
    if (judged.labels.includes('untrusted_input') && judged.labels.includes('network_egress'))
      for (const path of judged.writes) downloaded.add(path);
    out.push(judged);
  }
  return out;
}

function modelOf(
  command: SimpleCommand,
  line: readonly SimpleCommand[],
  ownership: Ownership,
  gitRemoteUrl: (remote: string | undefined) => string | undefined,
): CommandEffect {
  if (command.argv.length === 0) return effect();
  const program = programName(command.argv[0]);
  if (program === undefined) return unknownEffect('', 'unknown_program');
  if (SHELLS.has(program)) {
    // A shell or `eval` whose script was parsed does nothing itself: its commands are classified on their own.
    if (!command.opaque) return effect();
    const runsText = command.argv.some((word) => /^-[A-Za-z]*c/.test(word.text)) || program === 'eval';
    return unknownEffect('', runsText || command.argv.length === 1 ? 'inline_code' : 'unknown_program');
  }
  const model = PROGRAMS[program];
  if (model === undefined) return unknownEffect('', 'unknown_program');
  return model({ command, args: command.argv.slice(1), env: { ownership, gitRemoteUrl, line } });
}

function judge(
  command: SimpleCommand,
  programEffect: CommandEffect,
  config: LineConfig,
  line: readonly SimpleCommand[],
  downloaded: ReadonlySet<string>,
): StaticCommand {
  const program = command.argv.length === 0 ? '' : (programName(command.argv[0]) ?? '$?');
  const resolve = (path: string): string => resolvePath(path, config.cwd);
  const labels = new Set(programEffect.labels);
  const context: CommandContext = { ...LOCAL_CONTEXT, ...programEffect.context };
  const redirectReads: string[] = [];
  const redirectWrites: string[] = [];
  for (const redirect of command.redirects) {
    const target = redirect.target;
    if (
      target === undefined ||
      (redirect.kind !== 'read' &&
        redirect.kind !== 'write' &&
        redirect.kind !== 'append' &&
        redirect.kind !== 'readwrite')
    )
      continue;
    if (!target.literal) {
      // A redirection to a name known only at run time may be a device, a socket, anything.
      if (redirect.kind !== 'read')
        Object.assign(context, {
          external_write: 'unknown',
          destination_type: context.destination_type === 'none' ? 'unknown' : context.destination_type,
        });
      continue;
    }
    const socket = NET_REDIRECT.exec(target.text);
    if (socket) {
      // bash's /dev/tcp/HOST/PORT: the redirection itself is a network connection.
      Object.assign(context, {
        destination_type: 'http',
        ...hostDestination(socket[2], config.ownership),
        tenant_provenance: 'explicit',
        external_write: redirect.kind === 'read' ? context.external_write : 'yes',
        reversibility: redirect.kind === 'read' ? context.reversibility : 'irreversible',
      });
      labels.add('network_egress');
      if (redirect.kind !== 'read') labels.add('external_write');
      continue;
    }
    (redirect.kind === 'read' ? redirectReads : redirectWrites).push(target.text);
  }
  const uploads = programEffect.uploads.filter(isLocalPath).map(resolve);
  const reads = unique(
    [...programEffect.reads, ...redirectReads].filter(isLocalPath).map(resolve).concat(uploads),
  );
  const writes = unique(
    [...programEffect.writes, ...redirectWrites]
      .filter(isLocalPath)
      .map(resolve)
      .filter((path) => !HARMLESS_WRITE_TARGETS.test(path)),
  );
  const unknown = labels.has('unknown_program') || labels.has('inline_code');

  // A secret file named anywhere in the arguments of a program that may read it counts as read; a deletion
  // or a metadata look-up (`ls .env`, `rm .env`) does not expose the content. Code the guard cannot model is
  // searched for file names and variable names too.
  const credentials = new Set(programEffect.credentialFiles ?? []);
  const metadataOnly = METADATA_PROGRAMS.has(program) || labels.has('deletion');
  const mentioned = metadataOnly
    ? []
    : command.argv
        .slice(1)
        .filter((word) => word.literal && !credentials.has(word.text))
        .flatMap((word) => (unknown ? pathsIn(word.text) : [word.text.replace(/^[^=]*=|^[@<]/, '')]))
        .concat((programEffect.code ?? []).flatMap(pathsIn))
        .map(resolve);
  const classes = new Set<string>();
  for (const path of [...reads, ...mentioned])
    for (const dataClass of config.secrets.classesOf(path)) classes.add(dataClass);
  // A key directory handed to code the guard cannot see (`docker run -v ~/.aws:/root/.aws`) is read whole.
  if (unknown)
    for (const path of mentioned)
      for (const dataClass of config.secrets.classesOf(`${path}/x`)) classes.add(dataClass);
  // A tree read whole takes its key directories, and the dotenv files of a workspace or a home.
  for (const tree of (programEffect.trees ?? []).map(resolve))
    for (const dataClass of config.secrets.classesUnder(tree, holdsDotenv(tree, config)))
      classes.add(dataClass);
  // Expanding a secret variable hands its value to the program: `echo $TOKEN` prints it, `curl -d "$TOKEN"`
  // sends it. Code that names one reads it from the environment.
  const words = [...command.argv.slice(1), ...Object.values(command.assignments)];
  const secretWords = words.filter(
    (word) => !word.literal && !credentials.has(word.text) && secretVariablesIn(word.text).length > 0,
  );
  const codeSecrets = (programEffect.code ?? []).some((code) => secretNamesInCode(code).length > 0);
  if (
    secretWords.length > 0 ||
    codeSecrets ||
    (program === 'printenv' && command.argv.slice(1).some((word) => isSecretVariable(word.text)))
  )
    classes.add(SECRET_VARIABLE_CLASS);
  // A secret written out in the command is the agent handing it over.
  const literalText = words
    .filter((word) => word.literal)
    .map((word) => word.text)
    .concat(programEffect.code ?? [])
    .join('\n');
  const literalClasses = secretLiteralClasses(literalText);
  for (const dataClass of literalClasses) classes.add(dataClass);
  const printed = [...new Set(programEffect.secretOutput ?? [])].sort();
  if (classes.size > 0 || printed.length > 0) labels.add('secret_read');

  const egress = labels.has('network_egress') || context.destination_type !== 'none';
  const payloadSecret = programEffect.payload.some((text) => secretVariablesIn(text).length > 0);
  const sendsSecret =
    egress &&
    (payloadSecret ||
      secretWords.length > 0 ||
      literalClasses.length > 0 ||
      uploads.some((path) => config.secrets.classesOf(path).length > 0));
  if (sendsSecret) context.sensitive_payload = 'yes';

  // Whether it sends anything is not known: the label lets a policy name that fact (X(a) says it too).
  if (context.external_write === 'unknown') labels.add('unknown_egress');
  if (command.wrappers.includes('sudo') || command.wrappers.includes('doas'))
    labels.add('privilege_escalation');
  // Code from the network run as code: piped into an interpreter, handed to it through `<(…)` or `$(…)`, or
  // saved by a download earlier on the line and then run.
  const first = command.argv[0];
  const runsDownload =
    (INTERPRETERS.has(program) &&
      (upstreamPrograms(command, line).some((upstream) => DOWNLOADERS.has(upstream)) ||
        command.argv.some((word) => word.literal && downloaded.has(resolve(word.text))))) ||
    (first !== undefined && first.literal && downloaded.has(resolve(first.text)));
  if (runsDownload) {
    labels.add('remote_code_execution');
    labels.add('untrusted_input');
  }
  const root = config.workspaceRoot ?? config.cwd;
  if (writes.some((path) => root === undefined || isOutside(path, root)))
    labels.add('outside_workspace_write');
  if (writes.some((path) => persistenceOf(path) !== undefined)) labels.add('persistence');

  return {
    command,
    program,
    subcommand: programEffect.subcommand ?? '',
    flags: command.argv
      .slice(1)
      .filter((word) => word.literal && word.text.startsWith('-'))
      .map((word) => word.text),
    context,
    labels: [...labels].sort(),
    reads,
    writes,
    uploads,
    classes: [...classes].sort(),
    printed,
    sendsSecret,
    unknown,
    egress,
    dryRun: programEffect.dryRun,
  };
}

/** Programs whose output reaches the command's stdin, directly or through the stages between. */
function upstreamPrograms(command: SimpleCommand, line: readonly SimpleCommand[]): string[] {
  const seen = new Set<number>();
  const pending = [...command.inputs];
  while (pending.length > 0) {
    const index = pending.pop() as number;
    if (seen.has(index)) continue;
    seen.add(index);
    pending.push(...(line[index]?.stdinFrom ?? []));
  }
  return [...seen].map((index) => programName(line[index]?.argv[0]) ?? '$?');
}

/** `find … | xargs CMD`: xargs appends what arrives on stdin, so CMD gets the names its upstream prints,
 * when the line shows them (a find's matches, echoed words); otherwise argv stays open. */
function withStdinArguments(command: SimpleCommand, line: readonly SimpleCommand[]): SimpleCommand {
  if (!command.openArgv || command.stdinFrom.length === 0) return command;
  const names = command.stdinFrom.flatMap((index) => {
    const upstream = line[index];
    const program = programName(upstream?.argv[0]);
    if (upstream === undefined) return [];
    if (program === 'find') return findMatches(upstream.argv.slice(1));
    if (program === 'ls')
      return upstream.argv
        .slice(1)
        .filter((word) => !word.text.startsWith('-'))
        .map((word) => word.text);
    const printed = printedText(upstream);
    return printed?.literal ? printed.text.split(/\s+/).filter(Boolean) : [];
  });
  if (names.length === 0) return command;
  const at = command.argv[command.argv.length - 1]?.end ?? 0;
  return {
    ...command,
    argv: [...command.argv, ...names.map((text) => ({ text, literal: true, start: at, end: at }))],
  };
}

/** `find -exec CMD {} ;`, `xargs CMD`: argv the command runs, as a command of the line sharing its inputs. */
function nested(argv: ShellWord[], parent: SimpleCommand, index: number): SimpleCommand {
  const unwrapped = unwrapCommand(argv);
  return {
    ...parent,
    index,
    argv: unwrapped.argv,
    assignments: unwrapped.assignments,
    redirects: [],
    wrappers: [...parent.wrappers, programName(parent.argv[0]) ?? '$?'],
    opaque: unwrapped.opaque || unwrapped.script !== undefined,
    topLevel: false,
    text: unwrapped.argv.map((word) => word.text).join(' '),
  };
}

/** Shell text a command leaves to run later (an rc file, a cron line, a git hook), parsed as commands of the
 * line: what it will do is judged now. Text that does not parse is left to the persistence label. */
function reparse(script: string, parent: SimpleCommand, index: number): SimpleCommand[] {
  try {
    return parseCommandLine(script).commands.map((command, i) => ({
      ...command,
      index: index + i,
      step: parent.step,
      inputs: [...parent.inputs, ...command.inputs.map((input) => input + index)],
      stdinFrom: command.stdinFrom.map((input) => input + index),
      topLevel: false,
      wrappers: [...parent.wrappers, 'persisted', ...command.wrappers],
    }));
  } catch {
    return [];
  }
}

function persistedScript(
  command: SimpleCommand,
  programEffect: CommandEffect,
  config: LineConfig,
): string | undefined {
  if (programEffect.script !== undefined) return programEffect.script;
  const targets = [
    ...programEffect.writes,
    ...command.redirects
      .filter((r) => r.kind === 'write' || r.kind === 'append')
      .map((r) => r.target?.text ?? ''),
  ].map((path) => resolvePath(path, config.cwd));
  if (!targets.some((path) => persistenceOf(path) === 'code')) return undefined;
  const text = printedText(command) ?? command.stdinText;
  return text?.literal ? text.text : undefined;
}

/** Whether a tree read whole holds dotenv files: the workspace (or a directory above it) and home do. */
function holdsDotenv(tree: string, config: LineConfig): boolean {
  const root = config.workspaceRoot ?? config.cwd;
  if (tree === '~' || tree === '/' || /^\/(root|home\/[^/]+|Users\/[^/]+)\/?$/.test(tree)) return true;
  return root !== undefined && (root === tree || root.startsWith(`${tree.replace(/\/+$/, '')}/`));
}

/** Path-like tokens inside a word or a piece of code (`open('/home/u/.aws/credentials')`, `a,@.env,b`). */
function pathsIn(text: string): string[] {
  return [...text.matchAll(/[~\w./-]*[\w.~-]/g)]
    .map((match) => match[0])
    .filter((token) => /[./~]/.test(token));
}

/** A URL (`https://…`, `s3://…`) or a remote spec is not a file on this machine. */
function isLocalPath(path: string): boolean {
  return path !== '' && path !== '-' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}

export function resolvePath(path: string, cwd: string | undefined): string {
  if (path.startsWith('~') || cwd === undefined) return posix.normalize(path);
  return posix.resolve(cwd, path);
}

export function isOutside(path: string, root: string): boolean {
  if (path.startsWith('~')) return !root.startsWith('~');
  const relative = posix.relative(posix.resolve(root), path);
  return relative.startsWith('..') || posix.isAbsolute(relative);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
