// X(a) for a proposed tool call: parse the command with a real shell parser, judge each simple command by the
// model of its program (line.ts), follow secrets through the line and the session (flow.ts), and combine.
// What no model covers is `unknown`; the policy reasons from unknown and the session's secrets (README, "What
// the guard assumes about what it does not know").
import type { ExternalityContext, GuardRequest, SessionContext } from '../../schemas/guard.js';
import { mergeContexts, withEnforceability } from './context.js';
import { compileOwnership, type OwnedDestinations, type Ownership } from './destination.js';
import { LOCAL_CONTEXT, UNKNOWN_CONTEXT, type CommandContext, type CommandEffect } from './effect.js';
import { flowLine, type CommandFacts, type LineFlow } from './flow.js';
import { gitRemoteUrlFromConfig } from './git-config.js';
import { analyseLine, isOutside, resolvePath, type StaticCommand } from './line.js';
import { persistenceOf } from './persistence.js';
import { secretLiteralClasses, SecretPaths } from './secrets.js';
import { ShellParseError } from './shell.js';
import { classifyAgentTool, classifyMcp, mcpCall } from './tools.js';

export type { CommandFacts } from './flow.js';

export interface ClassifierConfig {
  owned: OwnedDestinations;
  /** Data class → file globs, on top of DEFAULT_CLASS_PATHS as the policy chose to merge them. */
  classPaths: Readonly<Record<string, readonly string[]>>;
  /** Injected for tests; the default reads the git config of the repository that holds cwd. */
  gitRemoteUrl?: (cwd: string, remote: string | undefined) => string | undefined;
  /** Command lines whose classification is kept (by text and cwd facts); 0 turns the cache off. */
  cacheSize?: number;
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
  /** Files the action writes from a secret, by data class: a later read of one carries the secret on. */
  tainted_writes: Record<string, string[]>;
}

const DEFAULT_CACHE_SIZE = 4096;

/** A cached line, with the git remotes its classification looked up: a changed `.git/config` is a new line. */
interface CachedLine {
  statics: StaticCommand[] | undefined;
  /** The flow of a session that holds no tainted file, per runtime family: most decisions. */
  plainFlows: Map<string, LineFlow>;
  remotes: Array<[string | undefined, string | undefined]>;
  dryRun: string | undefined;
}

export class ExternalityClassifier {
  private readonly ownership: Ownership;
  private readonly secrets;
  private readonly gitRemoteUrl;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, CachedLine>();

  constructor(config: ClassifierConfig) {
    this.ownership = compileOwnership(config.owned);
    this.secrets = new SecretPaths(config.classPaths);
    this.gitRemoteUrl = config.gitRemoteUrl ?? gitRemoteUrlFromConfig;
    this.cacheSize = config.cacheSize ?? DEFAULT_CACHE_SIZE;
  }

  classify(request: GuardRequest): ActionFacts {
    const commandLine = shellCommandOf(request);
    if (commandLine !== undefined) return this.classifyShell(request, commandLine);
    const mcp = mcpCall(request.tool_name, request.mcp_server ?? stringField(request.tool_input, 'server'));
    const toolEffect = mcp
      ? classifyMcp(mcp.server, mcp.tool, this.ownership)
      : classifyAgentTool(request.tool_name, request.tool_input, this.ownership);
    return this.toolFacts(request, toolEffect, mcp?.server);
  }

  private classifyShell(request: GuardRequest, commandLine: string): ActionFacts {
    const line = this.cachedLine(commandLine, request.cwd, request.workspace_root);
    if (line.statics === undefined) return unparsedFacts(request);
    const flow = this.flowOf(line, line.statics, request);
    const commands = flow.commands;
    return {
      parsed: true,
      externality: withEnforceability(
        mergeContexts(commands.map((command) => command.context)),
        request.runtime_family,
      ),
      commands,
      labels: unique(commands.flatMap((command) => command.labels)).sort(),
      data_classes: unique(commands.flatMap((command) => command.data_classes)).sort(),
      reads: unique(commands.flatMap((command) => command.reads)),
      writes: unique(commands.flatMap((command) => command.writes)),
      ...(line.dryRun === undefined ? {} : { dry_run_command: line.dryRun }),
      tainted_writes: flow.tainted_writes,
    };
  }

  private flowOf(line: CachedLine, statics: StaticCommand[], request: GuardRequest): LineFlow {
    if (Object.keys(request.session?.tainted_files ?? {}).length > 0)
      return flowLine(statics, request.session, request.runtime_family);
    let flow = line.plainFlows.get(request.runtime_family);
    if (flow === undefined) {
      flow = flowLine(statics, request.session, request.runtime_family);
      line.plainFlows.set(request.runtime_family, flow);
    }
    return flow;
  }

  private cachedLine(
    commandLine: string,
    cwd: string | undefined,
    workspaceRoot: string | undefined,
  ): CachedLine {
    const key = `${cwd ?? ''}\0${workspaceRoot ?? ''}\0${commandLine}`;
    const hit = this.cache.get(key);
    if (hit && hit.remotes.every(([remote, url]) => this.remoteUrl(cwd, remote) === url)) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const remotes: CachedLine['remotes'] = [];
    let statics: StaticCommand[] | undefined;
    try {
      statics = analyseLine(commandLine, {
        ownership: this.ownership,
        secrets: this.secrets,
        cwd,
        workspaceRoot,
        gitRemoteUrl: (remote) => {
          const url = this.remoteUrl(cwd, remote);
          remotes.push([remote, url]);
          return url;
        },
      });
    } catch (error) {
      if (!(error instanceof ShellParseError)) throw error;
    }
    const entry: CachedLine = {
      statics,
      plainFlows: new Map(),
      remotes,
      dryRun: statics === undefined ? undefined : dryRunCommand(commandLine, statics),
    };
    if (this.cacheSize > 0) {
      this.cache.set(key, entry);
      for (const oldest of this.cache.keys()) {
        if (this.cache.size <= this.cacheSize) break;
        this.cache.delete(oldest);
      }
    }
    return entry;
  }

  private remoteUrl(cwd: string | undefined, remote: string | undefined): string | undefined {
    return cwd === undefined ? undefined : this.gitRemoteUrl(cwd, remote);
  }

  /** A tool call that is not a shell command: an MCP tool, the runtime's own file or web tool, or a tool
   * proofline does not know (all unknown). */
  private toolFacts(
    request: GuardRequest,
    toolEffect: CommandEffect | undefined,
    mcpServer?: string,
  ): ActionFacts {
    const context: CommandContext =
      toolEffect === undefined ? { ...UNKNOWN_CONTEXT } : { ...LOCAL_CONTEXT, ...toolEffect.context };
    const labels = new Set(toolEffect?.labels ?? ['unknown_program']);
    const resolve = (path: string): string => resolvePath(path, request.cwd);
    const reads = (toolEffect?.reads ?? []).map(resolve);
    const writes = (toolEffect?.writes ?? []).map(resolve);
    const classes = new Set(reads.flatMap((path) => this.secrets.classesOf(path)));
    for (const path of reads)
      for (const dataClass of request.session?.tainted_files?.[path] ?? []) classes.add(dataClass);
    // What the agent writes into a tool's arguments it can only have seen: a secret spelled out is one; in a
    // session that read a secret, anything it writes may be one.
    const written = secretLiteralClasses(JSON.stringify(request.tool_input));
    for (const dataClass of written) classes.add(dataClass);
    if (classes.size > 0) labels.add('secret_read');
    const root = request.workspace_root ?? request.cwd;
    if (writes.some((path) => root === undefined || isOutside(path, root)))
      labels.add('outside_workspace_write');
    if (writes.some((path) => persistenceOf(path) !== undefined)) labels.add('persistence');
    if (written.length > 0 && labels.has('network_egress')) context.sensitive_payload = 'yes';
    if (context.external_write === 'unknown') labels.add('unknown_egress');
    if (context.sensitive_payload === 'unknown' && toolEffect !== undefined)
      context.sensitive_payload =
        written.length > 0 ? 'yes' : sessionMayHoldSecret(request.session) ? 'unknown' : 'no';
    const externality = withEnforceability(context, request.runtime_family);
    const dataClasses = [...classes].sort();
    const command: CommandFacts = {
      program: request.tool_name,
      subcommand: toolEffect?.subcommand ?? '',
      flags: [],
      text: '',
      context: externality,
      labels: [...labels].sort(),
      data_classes: dataClasses,
      reads,
      writes,
      line_ancestry: { labels: [], data_classes: dataClasses },
    };
    // Shell code the tool writes where it runs later (an rc file, a git hook) is judged as if it ran now.
    const code = writes.some((path) => persistenceOf(path) === 'code')
      ? (stringField(request.tool_input, 'content') ?? stringField(request.tool_input, 'new_string'))
      : undefined;
    const persisted = code === undefined ? undefined : this.classifyShell(request, code);
    const commands = [command, ...(persisted?.parsed ? persisted.commands : [])];
    const tainted =
      written.length > 0 ? Object.fromEntries(writes.map((path) => [path, written.sort()])) : {};
    return {
      parsed: true,
      externality: withEnforceability(
        mergeContexts(commands.map((facts) => facts.context)),
        request.runtime_family,
      ),
      commands,
      labels: unique(commands.flatMap((facts) => facts.labels)).sort(),
      data_classes: dataClasses,
      reads,
      writes,
      ...(mcpServer === undefined ? {} : { mcp_server: mcpServer }),
      tainted_writes: tainted,
    };
  }
}

/** Unknown (no ancestry sent) may hold anything; a known ancestry holds a secret when it has a data class. */
function sessionMayHoldSecret(session: SessionContext | undefined): boolean {
  return session === undefined || session.data_classes.length > 0;
}

function unparsedFacts(request: GuardRequest): ActionFacts {
  const externality = withEnforceability(UNKNOWN_CONTEXT, request.runtime_family);
  return {
    parsed: false,
    externality,
    commands: [],
    labels: [],
    data_classes: [],
    reads: [],
    writes: [],
    tainted_writes: {},
  };
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

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** Applies every dry-run edit, but only when each command with a lasting effect has one: a rewrite that
 * simulates `npm publish` but still runs the `curl -X POST` or `rm -rf` next to it would be no simulation. */
function dryRunCommand(commandLine: string, commands: StaticCommand[]): string | undefined {
  const writers = commands.filter(
    ({ context }) => context.external_write !== 'no' || context.reversibility !== 'reversible',
  );
  if (
    writers.length === 0 ||
    writers.some((command) => command.dryRun === undefined || !command.command.topLevel)
  )
    return undefined;
  const edits = writers
    .map((command) => command.dryRun as NonNullable<CommandEffect['dryRun']>)
    .sort((a, b) => b.start - a.start);
  return edits.reduce(
    (text, edit) => text.slice(0, edit.start) + edit.text + text.slice(edit.end),
    commandLine,
  );
}
