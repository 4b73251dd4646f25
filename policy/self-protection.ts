// proofline's built-in self-protection, in front of any policy (ARCHITECTURE.md §8): a tool call that runs
// proofline's control commands, reaches its server's routes, reads or writes its keys, approver keys, data
// directory, policy or approvers file or Codex's hook configuration and trust state, or stops its server, is
// blocked whatever the policy says. Only a dispensation in the policy that names the self-protection rule
// (`waives: [proofline.self.…]`) and matches the call lets it through, and the decision records that.
//
// The agent is not trusted (THREATS.md): what it could mean is judged, not what it probably means. A word whose
// value cannot be known statically but could name a protected path counts as naming it.
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SELF_PROTECTION_RULES, type SelfProtectionRule } from '../schemas/decision.js';
import type { Guard, GuardDecision, GuardRequest } from '../schemas/guard.js';
import { CompiledPolicy } from './engine/index.js';
import { controlCommand, controlCommandInText } from './self-protection/control-commands.js';
import {
  canonicalPath,
  pathHits,
  type PathHit,
  type PathScope,
  type ProtectedPath,
} from './self-protection/paths.js';
import { invocationOf, type Invocation } from './self-protection/programs.js';
import { reachesServer, type ServerAddress } from './self-protection/server-address.js';
import { readsTreeOnly } from './self-protection/tree-reads.js';
import {
  basename,
  literalText,
  parseShell,
  plainWord,
  valueAfterEquals,
  type SimpleCommand,
  type Word,
} from './self-protection/shell-words.js';
import { stopsServer, type ServerProcess } from './self-protection/stop-server.js';

export interface SelfProtectionConfig {
  /** This deployment's own files: data directory, key directories, policy file, approvers file. */
  paths?: ReadonlyArray<{ path: string; dir: boolean; what: string }>;
  /** The receiver's address; a function because the port is known only once it listens. */
  server?: () => ServerAddress | undefined;
  /** The server's process, for kill and pkill. Default: this process. */
  process?: ServerProcess;
  /** The home directory of the server's user. Default: os.homedir(). */
  home?: string;
}

interface Finding {
  rule: SelfProtectionRule;
  reason: string;
}

/** Programs whose every operand may be a file they read or write. */
const FILE_PROGRAMS = new Set([
  'cat',
  'tac',
  'less',
  'more',
  'head',
  'tail',
  'cp',
  'mv',
  'rm',
  'ln',
  'sed',
  'awk',
  'gawk',
  'tee',
  'vi',
  'vim',
  'nvim',
  'nano',
  'emacs',
  'ed',
  'ex',
  'chmod',
  'chown',
  'chgrp',
  'touch',
  'truncate',
  'shred',
  'dd',
  'tar',
  'zip',
  'unzip',
  'gzip',
  'gunzip',
  'bzip2',
  'xz',
  'base64',
  'xxd',
  'od',
  'hexdump',
  'strings',
  'grep',
  'egrep',
  'fgrep',
  'rg',
  'ag',
  'find',
  'ls',
  'stat',
  'file',
  'diff',
  'cmp',
  'sort',
  'uniq',
  'wc',
  'cut',
  'paste',
  'install',
  'rsync',
  'scp',
  'python',
  'python3',
  'node',
  'perl',
  'ruby',
  'bash',
  'sh',
  'zsh',
  'source',
  '.',
  'jq',
  'yq',
  'openssl',
  'ssh-keygen',
  'gpg',
  'cd',
  'pushd',
  'readlink',
  'realpath',
  'cksum',
  'sha256sum',
  'md5sum',
  'nl',
  'fold',
  'cpio',
]);
/** Programs that act on whole directory trees: naming a directory that holds a protected path is touching it. */
const TREE_PROGRAMS = new Set([
  'rm',
  'mv',
  'cp',
  'rsync',
  'scp',
  'tar',
  'zip',
  '7z',
  'find',
  'rg',
  'ag',
  'ack',
  'chmod',
  'chown',
  'chgrp',
  'ln',
  'cpio',
  'shred',
]);
const CODE_FLAGS = new Set(['-c', '-e', '-E', '--eval', '-p', '--print', '-r']);
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish', 'busybox', 'source', '.', 'eval']);
const INTERPRETERS = new Set([
  'python',
  'python3',
  'python2',
  'node',
  'nodejs',
  'perl',
  'ruby',
  'php',
  'deno',
  'bun',
  'lua',
  'osascript',
  'pwsh',
]);
/** Names that say "proofline's secrets or Codex's hooks" wherever they appear in code. */
const TELLING_NAMES = [
  '.proofline',
  'signing-key.pem',
  '.approver-key',
  '.codex/hooks.json',
  '.codex/config.toml',
];
const PATH_IN_TEXT = /(?:~|\$\{?HOME\}?|\.{1,2})?\/[^\s'"`;,(){}<>|&]*/g;
const PATCH_START = /^\*\*\* Begin Patch/m;
const PATCH_FILE = /^\*\*\* (?:(?:Add|Update|Delete) File|Move to): (.+)$/gm;

const HERE = dirname(fileURLToPath(import.meta.url));

export class SelfProtection {
  private readonly config: Required<Omit<SelfProtectionConfig, 'server'>> &
    Pick<SelfProtectionConfig, 'server'>;
  private readonly cliPaths: string[];
  /** Protected paths resolved through symlinks, by path: the same few recur in every decision. */
  private readonly canonical = new Map<string, string>();

  constructor(config: SelfProtectionConfig = {}) {
    this.config = {
      paths: config.paths ?? [],
      process: config.process ?? {
        pids: [process.pid],
        names: ['node', 'proofline', process.title],
        commandLine: process.argv.join(' '),
      },
      home: config.home ?? homedir(),
      ...(config.server ? { server: config.server } : {}),
    };
    // This installation's entry point (from dist/policy/ or policy/ in the sources).
    this.cliPaths = [join(HERE, '../cli/main.js'), join(HERE, '../dist/cli/main.js')].map((p) =>
      canonicalPath(p, '/'),
    );
  }

  /** The policy's decision, unless the call touches proofline itself and no dispensation names that. */
  decide(guard: Guard, request: GuardRequest): GuardDecision {
    const judged = guard.decide(request);
    const findings = this.inspect(request);
    if (findings.length === 0) return judged;
    const waived = new Set(guard instanceof CompiledPolicy ? guard.waivedBy(judged.matched_rules) : []);
    const rules = [...new Set(findings.map((f) => f.rule))];
    const standing = findings.filter((f) => !waived.has(f.rule));
    if (standing.length === 0) {
      return {
        ...judged,
        matched_rules: [...judged.matched_rules, ...rules],
        waived_rules: [...new Set([...(judged.waived_rules ?? []), ...rules])].sort(),
        reason: `${judged.reason}; proofline's self-protection (${rules.join(', ')}: ${findings[0]!.reason}) waived by a dispensation of the policy`,
      };
    }
    const first = standing[0]!;
    return {
      route: 'block',
      verdict: 'deny',
      reason: `proofline protects itself: this call ${first.reason}. No policy rule can allow that`,
      matched_rules: [...judged.matched_rules, ...rules],
      deciding_rule: first.rule,
      policy_digest: judged.policy_digest,
      ...(judged.externality ? { externality: judged.externality } : {}),
      ...(judged.labels ? { labels: judged.labels } : {}),
      ...(judged.data_classes ? { data_classes: judged.data_classes } : {}),
      enforceability: 'runtime_enforced',
      obligations: [],
      ...(judged.waived_rules ? { waived_rules: judged.waived_rules } : {}),
    };
  }

  /** Everything the call does to proofline, in the order found. */
  inspect(request: GuardRequest): Finding[] {
    const scope = this.scopeOf(request);
    const targets = this.targetsFor(request, scope.home);
    const server = this.config.server?.();
    const findings: Finding[] = [];
    const add = (rule: SelfProtectionRule, reason: string | undefined) => {
      if (reason !== undefined && !findings.some((f) => f.rule === rule)) findings.push({ rule, reason });
    };
    const shell = shellText(request);
    if (shell !== undefined) {
      const commands = parseShell(shell);
      const invocations = commands.map(invocationOf);
      const vars = variables(commands, scope);
      const runsCode = invocations.some((i) =>
        i.program === undefined ? i.word !== undefined : INTERPRETERS.has(i.program) || SHELLS.has(i.program),
      );
      let cwd = scope.cwd;
      commands.forEach((command, index) => {
        const invocation = invocations[index]!;
        const here: PathScope = { ...scope, cwd, vars };
        add(SELF_PROTECTION_RULES.controlCommand, controlCommand(invocation, this.cliPaths));
        add(SELF_PROTECTION_RULES.stopServer, stopsServer(invocation, this.config.process));
        add(SELF_PROTECTION_RULES.protectedPath, touchedPath(command, invocation, here, targets));
        for (const code of codeOf(command, invocation, runsCode))
          this.inspectText(code, here, targets, server, invocation.program, add);
        if (invocation.program === 'cd' || invocation.program === 'pushd')
          cwd = changedDirectory(invocation, here);
      });
      const programs = invocations.map((i) => i.program ?? 'unknown');
      add(SELF_PROTECTION_RULES.controlRoute, reachesServer(shell, programs, server));
    }
    // Every other tool (apply_patch, MCP tools, file editors): what its input names.
    const input = shell === undefined ? stringsIn(request.tool_input) : [];
    for (const text of input) {
      // A patch's lines are file content, not something run: only the files it names count.
      if (PATCH_START.test(text)) {
        for (const m of text.matchAll(PATCH_FILE))
          add(SELF_PROTECTION_RULES.protectedPath, this.pathIn(m[1]!.trim(), scope, targets));
      } else this.inspectText(text, scope, targets, server, undefined, add);
    }
    return findings;
  }

  /** Code an interpreter runs or a tool's input: the paths, control commands and server addresses in it. */
  private inspectText(
    text: string,
    scope: PathScope,
    targets: readonly ProtectedPath[],
    server: ServerAddress | undefined,
    program: string | undefined,
    add: (rule: SelfProtectionRule, reason: string | undefined) => void,
  ): void {
    add(SELF_PROTECTION_RULES.controlCommand, controlCommandInText(text));
    add(SELF_PROTECTION_RULES.controlRoute, reachesServer(text, program ? [program] : ['unknown'], server));
    const named = TELLING_NAMES.find((name) => text.includes(name));
    if (named !== undefined) add(SELF_PROTECTION_RULES.protectedPath, `names ${named} in what it runs`);
    for (const m of text.matchAll(PATH_IN_TEXT))
      add(SELF_PROTECTION_RULES.protectedPath, this.pathIn(m[0], scope, targets));
  }

  /** Why a path written in code or a tool's input names a protected path, or undefined. */
  private pathIn(path: string, scope: PathScope, targets: readonly ProtectedPath[]): string | undefined {
    const hit = pathHits(plainWord(path.replace(/^\$\{?HOME\}?/, scope.home)), scope, targets).find(
      (h) => h.relation !== 'ancestor' && (h.concrete || h.literal),
    );
    return hit ? describeHit(hit, path) : undefined;
  }

  private scopeOf(request: GuardRequest): PathScope {
    const codexHome = codexHomeOf(request.transcript_path);
    const home =
      codexHome !== undefined && basename(codexHome) === '.codex' ? dirname(codexHome) : this.config.home;
    const cwd = request.cwd !== undefined && isAbsolute(request.cwd) ? request.cwd : undefined;
    return { home, cwd, vars: new Map() };
  }

  private targetsFor(request: GuardRequest, agentHome: string): ProtectedPath[] {
    const targets: ProtectedPath[] = [];
    const add = (path: string, dir: boolean, what: string, changesOnly?: true) => {
      const canonical = this.canonicalTarget(path);
      if (!targets.some((t) => t.path === canonical))
        targets.push({ path: canonical, dir, what, ...(changesOnly ? { changesOnly } : {}) });
    };
    for (const { path, dir, what } of this.config.paths) add(path, dir, what);
    for (const home of new Set([this.config.home, agentHome])) {
      add(join(home, '.proofline'), true, "proofline's default key and data directory");
      add(join(home, '.proofline', 'keys'), true, "proofline's keys");
      add(join(home, '.proofline', 'approvers'), true, "proofline's approver keys");
    }
    const codexHomes = new Set([join(this.config.home, '.codex'), join(agentHome, '.codex')]);
    const fromTranscript = codexHomeOf(request.transcript_path);
    if (fromTranscript !== undefined) codexHomes.add(fromTranscript);
    for (const codexHome of codexHomes) {
      add(join(codexHome, 'config.toml'), false, "Codex's configuration and hook trust state", true);
      add(join(codexHome, 'hooks.json'), false, "Codex's hooks", true);
    }
    // Codex reads a project's .codex/ from the working directory up to the repository root.
    const root = request.workspace_root ?? request.cwd;
    for (let dir = root !== undefined && isAbsolute(root) ? root : undefined; dir !== undefined;) {
      add(join(dir, '.codex'), true, "the workspace's Codex configuration and hooks", true);
      const parent = dirname(dir);
      dir = parent === dir ? undefined : parent;
    }
    return targets;
  }

  private canonicalTarget(path: string): string {
    let canonical = this.canonical.get(path);
    if (canonical === undefined) {
      if (this.canonical.size >= 4096) this.canonical.clear();
      canonical = canonicalPath(path, '/');
      this.canonical.set(path, canonical);
    }
    return canonical;
  }
}

/** The shell command line a tool call runs: Codex's `command`/`cmd`, or an argv array. */
function shellText(request: GuardRequest): string | undefined {
  if (request.command !== undefined) return request.command;
  const { cmd, command } = request.tool_input;
  if (typeof cmd === 'string') return cmd;
  if (typeof command === 'string') return command;
  if (Array.isArray(command) && command.every((c) => typeof c === 'string'))
    return command.map((c) => `'${c.replace(/'/g, `'\\''`)}'`).join(' ');
  return undefined;
}

/** The directory before `/sessions/` in a Codex transcript path. */
function codexHomeOf(transcript: string | undefined): string | undefined {
  if (transcript === undefined || !isAbsolute(transcript)) return undefined;
  const at = transcript.lastIndexOf('/sessions/');
  return at > 0 ? transcript.slice(0, at) : undefined;
}

/** Variables the command line gives values: assignments, `export`/`declare`/`local`, `for NAME in …`. */
function variables(commands: readonly SimpleCommand[], scope: PathScope): Map<string, Word[]> {
  const vars = new Map<string, Word[]>();
  const bind = (name: string, value: Word) => vars.set(name, [...(vars.get(name) ?? []), value]);
  for (const command of commands) {
    for (const { name, value } of command.assignments) bind(name, value);
    const [first, ...rest] = command.words.map(literalText);
    if (
      first === 'export' ||
      first === 'declare' ||
      first === 'local' ||
      first === 'readonly' ||
      first === 'typeset'
    ) {
      command.words.slice(1).forEach((word, i) => {
        const match = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(rest[i] ?? word.raw);
        if (match) bind(match[1]!, valueAfterEquals(word));
      });
    }
    if (first === 'for' && rest[1] === 'in' && rest[0] !== undefined)
      for (const word of command.words.slice(3)) bind(rest[0], word);
    if (first === 'read' || first === 'mapfile' || first === 'readarray')
      for (const name of rest)
        if (name !== undefined && /^[A-Za-z_]\w*$/.test(name))
          vars.set(name, [{ parts: [{ kind: 'dyn' }], raw: '' }]);
  }
  const known = (text: string | undefined): Word[] =>
    text === undefined
      ? [{ parts: [{ kind: 'dyn' }], raw: '' }]
      : [{ parts: [{ kind: 'lit', text, quoted: true }], raw: text }];
  if (!vars.has('HOME')) vars.set('HOME', known(scope.home));
  if (!vars.has('PWD')) vars.set('PWD', known(scope.cwd));
  return vars;
}

/** The first protected path the command's operands, options' values or redirections reach. */
function touchedPath(
  command: SimpleCommand,
  invocation: Invocation,
  scope: PathScope,
  targets: readonly ProtectedPath[],
): string | undefined {
  const program = invocation.program;
  const fileProgram = program === undefined || FILE_PROGRAMS.has(program);
  const treeProgram =
    program !== undefined &&
    (TREE_PROGRAMS.has(program) ||
      (['grep', 'egrep', 'fgrep', 'chmod', 'chown'].includes(program) &&
        invocation.args.some(isRecursiveFlag)));
  const operands: Array<{ word: Word; file: boolean }> = [
    ...command.words.map((word) => ({
      word: (literalText(word) ?? '').startsWith('-') ? valueAfterEquals(word) : word,
      file: fileProgram,
    })),
    ...command.redirects.map((r) => ({ word: r.target, file: true })),
    ...command.assignments.map((a) => ({ word: a.value, file: false })),
  ];
  for (const { word, file } of operands) {
    if ((literalText(word) ?? '').startsWith('-')) continue;
    const hit = pathHits(word, scope, targets).find(
      (h) =>
        (h.relation !== 'ancestor' ||
          (treeProgram && !(h.target.changesOnly && readsTreeOnly(program, invocation.args, word)))) &&
        (h.concrete || h.literal || (h.opaque && file)),
    );
    if (hit) return describeHit(hit, word.raw);
  }
  return undefined;
}

function isRecursiveFlag(word: Word): boolean {
  const text = literalText(word) ?? '';
  return /^-[a-zA-Z]*[rR]/.test(text) || text === '--recursive' || text.startsWith('--dereference-recursive');
}

function describeHit(hit: PathHit, written: string): string {
  const how = { names: 'names', within: 'reaches into', ancestor: 'acts on a directory holding' }[
    hit.relation
  ];
  const certainty = hit.concrete ? '' : ' (its value is not known statically and could be that)';
  return `${how} ${hit.target.what} (${hit.target.path}) with \`${written}\`${certainty}`;
}

/** Code the command hands an interpreter, and text fed on stdin when the line runs an interpreter or a shell
 * that may read it (`cat <<EOF | python3`); a here-document for `cat > notes.md` is data, not code. */
function codeOf(command: SimpleCommand, invocation: Invocation, linesRunCode: boolean): string[] {
  const code = linesRunCode ? [...command.stdin] : [];
  if (invocation.program !== undefined && INTERPRETERS.has(invocation.program)) {
    invocation.args.forEach((arg, i) => {
      const flag = literalText(arg);
      const next = invocation.args[i + 1];
      if (flag !== undefined && CODE_FLAGS.has(flag) && next) code.push(literalText(next) ?? next.raw);
    });
  }
  return code;
}

function changedDirectory(invocation: Invocation, scope: PathScope): string | undefined {
  const target = invocation.args.find((a) => !(literalText(a) ?? '').startsWith('-'));
  if (target === undefined) return scope.home;
  const text = literalText(target);
  if (text === undefined) return undefined;
  const expanded = text === '~' || text.startsWith('~/') ? `${scope.home}${text.slice(1)}` : text;
  if (isAbsolute(expanded)) return canonicalPath(expanded, '/');
  return scope.cwd === undefined ? undefined : canonicalPath(expanded, scope.cwd);
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}
