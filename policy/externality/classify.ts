// X(a) for a proposed tool call: parse the command with a real shell parser, classify each simple command by
// the program it runs, and combine. Whatever cannot be seen is `unknown`, which a policy can only use to
// raise a route (see policy/engine/evaluate.ts).
import { posix } from 'node:path';

import type { ExternalityContext, GuardRequest } from '../../schemas/guard.js';
import { mergeContexts, withEnforceability } from './context.js';
import { compileOwnership, type OwnedDestinations } from './destination.js';
import {
  LOCAL_CONTEXT,
  UNKNOWN_CONTEXT,
  unknownEffect,
  effect,
  type ClassifyEnv,
  type CommandContext,
  type CommandEffect,
  type ProgramClassifier,
} from './effect.js';
import { gitRemoteUrlFromConfig } from './git-config.js';
import { CLOUD_PROGRAMS } from './programs/cloud.js';
import { DATABASE_PROGRAMS } from './programs/database.js';
import { FILE_PROGRAMS, METADATA_PROGRAMS } from './programs/files.js';
import { classifyGit } from './programs/git.js';
import { NETWORK_PROGRAMS } from './programs/network.js';
import { PACKAGE_PROGRAMS } from './programs/packages.js';
import { mentionsSecretVariable, SECRET_VARIABLE_CLASS, SecretPaths } from './secrets.js';
import { parseCommandLine, ShellParseError, type SimpleCommand } from './shell.js';
import { classifyAgentTool, classifyMcp, mcpCall } from './tools.js';
import { programName } from './wrappers.js';

export interface ClassifierConfig {
  owned: OwnedDestinations;
  /** Data class → file globs, on top of DEFAULT_CLASS_PATHS as the policy chose to merge them. */
  classPaths: Readonly<Record<string, readonly string[]>>;
  /** Injected for tests; the default reads the git config of the repository that holds cwd. */
  gitRemoteUrl?: (cwd: string, remote: string | undefined) => string | undefined;
}

/** One simple command (or the single non-shell tool call) as rule conditions see it. */
export interface CommandFacts {
  program: string;
  subcommand: string;
  /** Option words as written (`-rf`, `--force`, `--dry-run=server`). */
  flags: string[];
  context: ExternalityContext;
  labels: string[];
}

export interface ActionFacts {
  /** False when the command line could not be parsed: every field is unknown. */
  parsed: boolean;
  externality: ExternalityContext;
  commands: CommandFacts[];
  labels: string[];
  data_classes: string[];
  /** Paths resolved against cwd (`~/…` kept as written). */
  reads: string[];
  writes: string[];
  mcp_server?: string;
  /** The command line with every external write turned into its dry-run form, when each has one. */
  dry_run_command?: string;
}

const PROGRAMS: Record<string, ProgramClassifier> = {
  ...FILE_PROGRAMS,
  ...NETWORK_PROGRAMS,
  ...PACKAGE_PROGRAMS,
  ...CLOUD_PROGRAMS,
  ...DATABASE_PROGRAMS,
  git: classifyGit,
};

const SCRIPT_RUNNERS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'eval']);
const INTERPRETERS = new Set([
  'sh',
  'bash',
  'zsh',
  'dash',
  'ksh',
  'python',
  'python3',
  'node',
  'perl',
  'ruby',
  'php',
]);
const DOWNLOADERS = new Set(['curl', 'wget', 'nc', 'ncat', 'netcat']);
const HARMLESS_WRITE_TARGETS = /^\/dev\/(null|stdout|stderr|tty|fd\/\d+)$/;

interface ClassifiedCommand {
  facts: CommandFacts;
  effect: CommandEffect;
  reads: string[];
  writes: string[];
  dataClasses: string[];
  topLevel: boolean;
}

export class ExternalityClassifier {
  private readonly ownership;
  private readonly secrets;
  private readonly gitRemoteUrl;

  constructor(config: ClassifierConfig) {
    this.ownership = compileOwnership(config.owned);
    this.secrets = new SecretPaths(config.classPaths);
    this.gitRemoteUrl = config.gitRemoteUrl ?? gitRemoteUrlFromConfig;
  }

  classify(request: GuardRequest): ActionFacts {
    const commandLine = shellCommandOf(request);
    if (commandLine !== undefined) return this.classifyShell(request, commandLine);
    const mcp = mcpCall(request.tool_name, request.mcp_server ?? stringField(request.tool_input, 'server'));
    const toolEffect = mcp
      ? classifyMcp(mcp.server, mcp.tool, this.ownership)
      : (classifyAgentTool(request.tool_name, request.tool_input, this.ownership) ??
        unknownEffect(request.tool_name));
    const classified = this.finish(request, request.tool_name, [], toolEffect, {
      topLevel: false,
      wrappers: [],
      pipedFrom: [],
    });
    return this.combine(request, [classified], mcp?.server);
  }

  private classifyShell(request: GuardRequest, commandLine: string): ActionFacts {
    let commands: SimpleCommand[];
    try {
      commands = parseCommandLine(commandLine);
    } catch (error) {
      if (error instanceof ShellParseError) return unparsedFacts(request);
      throw error;
    }
    const env: ClassifyEnv = {
      ownership: this.ownership,
      gitRemoteUrl: (remote) =>
        request.cwd === undefined ? undefined : this.gitRemoteUrl(request.cwd, remote),
    };
    const classified = commands.map((command) => {
      const program = programName(command.argv[0]) ?? (command.argv.length === 0 ? '' : '$?');
      const classifier = PROGRAMS[program];
      // A shell or `eval` whose script was parsed does nothing itself: its commands are classified on their own.
      const runsParsedScript = SCRIPT_RUNNERS.has(program) && !command.opaque;
      const programEffect =
        command.argv.length === 0 || runsParsedScript
          ? effect()
          : command.opaque || classifier === undefined
            ? unknownEffect()
            : classifier({ command, args: command.argv.slice(1), env });
      return this.finish(
        request,
        program,
        command.argv
          .slice(1)
          .filter((word) => word.literal && word.text.startsWith('-'))
          .map((word) => word.text),
        programEffect,
        command,
      );
    });
    const facts = this.combine(request, classified, undefined);
    const rewrite = dryRunCommand(commandLine, classified);
    return rewrite === undefined ? facts : { ...facts, dry_run_command: rewrite };
  }

  /** Adds what holds for every program: redirections, secret files named, sudo, `curl … | sh`. */
  private finish(
    request: GuardRequest,
    program: string,
    flags: string[],
    programEffect: CommandEffect,
    command: Pick<SimpleCommand, 'topLevel' | 'wrappers' | 'pipedFrom'> &
      Partial<Pick<SimpleCommand, 'redirects' | 'argv'>>,
  ): ClassifiedCommand {
    const resolve = (path: string): string => resolvePath(path, request.cwd);
    const redirects = command.redirects ?? [];
    const redirectReads = redirects
      .filter((r) => r.kind === 'read' && r.target?.literal)
      .map((r) => r.target?.text ?? '');
    const redirectWrites = redirects
      .filter((r) => ['write', 'append', 'readwrite'].includes(r.kind) && r.target?.literal)
      .map((r) => r.target?.text ?? '');
    const reads = [...programEffect.reads, ...redirectReads, ...programEffect.uploads].map(resolve);
    const writes = [...programEffect.writes, ...redirectWrites]
      .map(resolve)
      .filter((path) => !HARMLESS_WRITE_TARGETS.test(path));
    const uploads = programEffect.uploads.map(resolve);
    const labels = new Set(programEffect.labels);

    // A secret named anywhere in the arguments of a program that reads files is taken as read; a deletion
    // or a metadata look-up (`ls .env`, `rm .env`) does not expose the content.
    const credentials = new Set(programEffect.credentialFiles ?? []);
    const mentioned =
      METADATA_PROGRAMS.has(program) || labels.has('deletion')
        ? []
        : (command.argv ?? [])
            .slice(1)
            .filter((word) => word.literal && !credentials.has(word.text))
            .map((word) => resolve(word.text.replace(/^[^=]*=|^[@<]/, '')));
    const dataClasses = new Set([...reads, ...mentioned].flatMap((path) => this.secrets.classesOf(path)));
    const payloadSecret = programEffect.payload.some(mentionsSecretVariable);
    if (payloadSecret) dataClasses.add(SECRET_VARIABLE_CLASS);
    if (dataClasses.size > 0) labels.add('secret_read');
    const sendsSecret = payloadSecret || uploads.some((path) => this.secrets.classesOf(path).length > 0);

    if (command.wrappers.includes('sudo') || command.wrappers.includes('doas'))
      labels.add('privilege_escalation');
    if (INTERPRETERS.has(program) && command.pipedFrom.some((upstream) => DOWNLOADERS.has(upstream))) {
      labels.add('remote_code_execution');
      labels.add('untrusted_input');
    }
    const root = request.workspace_root ?? request.cwd;
    if (writes.some((path) => root === undefined || isOutside(path, root)))
      labels.add('outside_workspace_write');

    const context: CommandContext = { ...LOCAL_CONTEXT, ...programEffect.context };
    if (sendsSecret) context.sensitive_payload = 'yes';
    return {
      facts: {
        program,
        subcommand: programEffect.subcommand ?? '',
        flags,
        context: withEnforceability(context, request.runtime_family),
        labels: [...labels].sort(),
      },
      effect: { ...programEffect, labels: [...labels] },
      reads,
      writes,
      dataClasses: [...dataClasses],
      topLevel: command.topLevel,
    };
  }

  private combine(
    request: GuardRequest,
    commands: ClassifiedCommand[],
    mcpServer: string | undefined,
  ): ActionFacts {
    const dataClasses = new Set(commands.flatMap((command) => command.dataClasses));
    // Within one command line a secret read can reach any egress through pipes, `$(…)` or files: whatever
    // leaves the machine may carry it.
    if (dataClasses.size > 0) {
      for (const command of commands) {
        if (
          command.facts.labels.includes('network_egress') &&
          command.facts.context.sensitive_payload !== 'yes'
        )
          command.facts.context.sensitive_payload = 'yes';
      }
    }
    const labels = new Set(commands.flatMap((command) => command.facts.labels));
    return {
      parsed: true,
      externality: withEnforceability(
        mergeContexts(commands.map((command) => command.facts.context)),
        request.runtime_family,
      ),
      commands: commands.map((command) => command.facts),
      labels: [...labels].sort(),
      data_classes: [...dataClasses].sort(),
      reads: unique(commands.flatMap((command) => command.reads)),
      writes: unique(commands.flatMap((command) => command.writes)),
      ...(mcpServer === undefined ? {} : { mcp_server: mcpServer }),
    };
  }
}

function unparsedFacts(request: GuardRequest): ActionFacts {
  const externality = withEnforceability(UNKNOWN_CONTEXT, request.runtime_family);
  return { parsed: false, externality, commands: [], labels: [], data_classes: [], reads: [], writes: [] };
}

/** The shell command a tool call runs: `command` (string or argv array) or Codex's `cmd`. */
export function shellCommandOf(request: GuardRequest): string | undefined {
  if (request.command !== undefined) return request.command;
  const command = request.tool_input.command ?? request.tool_input.cmd;
  if (typeof command === 'string') return command;
  if (Array.isArray(command) && command.every((part) => typeof part === 'string'))
    return command.map(quoteWord).join(' ');
  return undefined;
}

function quoteWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function stringField(input: Record<string, unknown>, key: string): string | undefined {
  return typeof input[key] === 'string' ? (input[key] as string) : undefined;
}

function resolvePath(path: string, cwd: string | undefined): string {
  if (path.startsWith('~') || cwd === undefined) return posix.normalize(path);
  return posix.resolve(cwd, path);
}

function isOutside(path: string, root: string): boolean {
  if (path.startsWith('~')) return !root.startsWith('~');
  const relative = posix.relative(posix.resolve(root), path);
  return relative.startsWith('..') || posix.isAbsolute(relative);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Applies every dry-run edit, but only when each command with a lasting effect has one: a rewrite that
 * simulates `npm publish` but still runs the `curl -X POST` or `rm -rf` next to it would be no simulation. */
function dryRunCommand(commandLine: string, commands: ClassifiedCommand[]): string | undefined {
  const writers = commands.filter(
    ({ facts: { context } }) => context.external_write !== 'no' || context.reversibility !== 'reversible',
  );
  if (
    writers.length === 0 ||
    writers.some((command) => command.effect.dryRun === undefined || !command.topLevel)
  )
    return undefined;
  const edits = writers
    .map((command) => command.effect.dryRun as NonNullable<CommandEffect['dryRun']>)
    .sort((a, b) => b.start - a.start);
  return edits.reduce(
    (text, edit) => text.slice(0, edit.start) + edit.text + text.slice(edit.end),
    commandLine,
  );
}
