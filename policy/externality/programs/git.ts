// git: pushes leave the machine (to a remote named in the command or in the repo's config), fetches bring
// untrusted content in, and a few local subcommands destroy work that no later command can bring back.
import { hasOption, optionValues, parseArgs } from '../argv.js';
import { gitDestination, parseGitRemote } from '../destination.js';
import {
  effect,
  insertAfter,
  literalText,
  splitSubcommand,
  unknownEffect,
  type CommandEffect,
  type ProgramInput,
} from '../effect.js';
import { CREDENTIALS_CLASS, searchesForSecrets } from '../secrets.js';

const GLOBAL_VALUE_OPTIONS = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path']);
const PUSH_VALUE_OPTIONS = new Set([
  '-o',
  '--push-option',
  '--repo',
  '--receive-pack',
  '--exec',
  '--recurse-submodules',
]);
const FETCH_SUBCOMMANDS = new Set(['clone', 'fetch', 'pull', 'ls-remote']);

const looksLikeUrl = (text: string): boolean =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^[^/\s]+@[^:/\s]+:/.test(text) || /^[./]/.test(text);

// Subcommands that only work on the local repository (recoverable through the reflog unless destroysWork).
const LOCAL = new Set([
  'status',
  'log',
  'show',
  'diff',
  'add',
  'commit',
  'branch',
  'switch',
  'checkout',
  'merge',
  'rebase',
  'cherry-pick',
  'revert',
  'stash',
  'tag',
  'rev-parse',
  'ls-files',
  'ls-tree',
  'blame',
  'describe',
  'shortlog',
  'reflog',
  'init',
  'mv',
  'rm',
  'restore',
  'reset',
  'clean',
  'worktree',
  'notes',
  'format-patch',
  'apply',
  'am',
  'cat-file',
  'for-each-ref',
  'show-ref',
  'symbolic-ref',
  'rev-list',
  'name-rev',
  'count-objects',
  'gc',
  'prune',
  'fsck',
  'verify-commit',
  'verify-tag',
  'help',
  'version',
  'var',
  'diff-tree',
  'diff-files',
  'diff-index',
  'merge-base',
  'check-ignore',
  'check-attr',
  'sparse-checkout',
  'range-diff',
  'whatchanged',
  'grep',
  'archive',
  'bundle',
  'stripspace',
  'hash-object',
  'update-index',
  'write-tree',
  'read-tree',
  'commit-tree',
  'update-ref',
  'mktag',
  'mktree',
  'pack-refs',
  'repack',
  'maintenance',
  'rerere',
  'bisect',
  'submodule',
  'remote',
  'config',
  'credential',
  'filter-branch',
  'filter-repo',
  'lfs',
]);

// `git -c KEY=VALUE` and `git config KEY VALUE` for keys that name a program git will run, a hook directory,
// a credential store or a URL rewrite: the command (or every later one) runs what the guard has not seen.
const RUNS_PROGRAM =
  /^(alias\.|core\.(hookspath|sshcommand|pager|editor|fsmonitor|askpass|gitproxy)|credential\.|diff\..*(textconv|command)|diff\.external|filter\.|merge\..*driver|gpg\.program|gpg\..*\.program|sequence\.editor|url\..*insteadof|protocol\.|uploadpack\.|receive\.|include\.path|includeif\.)/i;

export function classifyGit(input: ProgramInput): CommandEffect {
  const { subcommand, rest } = splitSubcommand(input.args, GLOBAL_VALUE_OPTIONS);
  const name = literalText(subcommand);
  const overrides = input.args
    .slice(0, subcommand === undefined ? input.args.length : input.args.indexOf(subcommand))
    .flatMap((word, i, all) => (all[i - 1]?.text === '-c' ? [word.text] : []));
  if (overrides.some((setting) => RUNS_PROGRAM.test(setting))) return unknownEffect(name ?? '');
  // An alias or an extension (`git foo`): its definition is not on the line.
  if (name === undefined || (!LOCAL.has(name) && name !== 'push' && !FETCH_SUBCOMMANDS.has(name)))
    return unknownEffect(name ?? '');
  const args = parseArgs(rest, PUSH_VALUE_OPTIONS);
  const base = { subcommand: name };
  const words = rest.map((word) => word.text);
  switch (name) {
    case 'config':
      return gitConfig(base, args);
    case 'remote':
      return gitRemote(base, words);
    case 'credential':
      return words[0] === 'fill' ? effect({ ...base, secretOutput: [CREDENTIALS_CLASS] }) : effect(base);
    case 'grep':
      return searchesGit(base, words, true);
    case 'log':
    case 'show':
    case 'diff':
    case 'whatchanged':
      if (searchesGit(base, words, false).secretOutput) return searchesGit(base, words, false);
      break;
    case 'bisect':
      if (words[0] === 'run') return unknownEffect(name);
      break;
    case 'rebase':
      if (words.some((word) => word === '-x' || word.startsWith('--exec'))) return unknownEffect(name);
      break;
    case 'submodule':
      if (words.includes('foreach')) return unknownEffect(name);
      if (words[0] === 'update' || words[0] === 'sync') return classifyFetch(input, 'fetch', args);
      break;
    case 'lfs':
      if (words[0] === 'push') return classifyPush(input, parseArgs(rest.slice(1), PUSH_VALUE_OPTIONS));
      if (words[0] === 'fetch' || words[0] === 'pull') return classifyFetch(input, 'fetch', args);
      break;
    case 'archive': {
      const output = optionValues(args, '-o', '--output');
      return effect({ ...base, writes: output, reads: ['.'], trees: ['.'] });
    }
    default:
      break;
  }
  if (name === 'push')
    return { ...classifyPush(input, args), ...base, dryRun: dryRunPush(input, subcommand, args) };
  if (name !== undefined && FETCH_SUBCOMMANDS.has(name))
    return { ...classifyFetch(input, name, args), ...base };
  if (
    destroysWork(
      name,
      args,
      rest.map((word) => word.text),
    )
  ) {
    return effect({
      ...base,
      labels: ['deletion', 'destructive'],
      context: { reversibility: 'irreversible' },
    });
  }
  if (name === 'add') return effect({ ...base, reads: args.operands.map((word) => word.text) });
  if (name === 'filter-branch' || name === 'filter-repo')
    return unknownEffect(name, 'unknown_program', { labels: ['unknown_program', 'deletion', 'destructive'] });
  // status, log, diff, commit, branch, switch, merge…: local and recoverable through the reflog.
  return effect(base);
}

function gitConfig(base: { subcommand: string }, args: ReturnType<typeof parseArgs>): CommandEffect {
  const [key, value] = args.operands.map((word) => word.text);
  const reads =
    hasOption(args, '--get', '--get-all', '--get-regexp', '-l', '--list', '--show-origin') ||
    value === undefined;
  if (reads || key === undefined) return effect(base);
  if (RUNS_PROGRAM.test(key))
    return effect({ ...base, labels: ['persistence'], context: { reversibility: 'unknown' } });
  return effect(base);
}

/** `git remote add NAME URL`: later commands on the line push to URL by NAME. */
function gitRemote(base: { subcommand: string }, words: string[]): CommandEffect {
  const [verb, name, url] = words.filter((word) => !word.startsWith('-'));
  if ((verb === 'add' || verb === 'set-url') && name !== undefined && url !== undefined)
    return effect({ ...base, defines: { [name]: url } });
  if (verb === 'update') return effect({ ...base, labels: ['network_egress', 'untrusted_input'] });
  return effect(base);
}

/** `git grep PATTERN` and `git log -S/-G/--grep PATTERN -p`: content searches of the tree or its history. */
function searchesGit(base: { subcommand: string }, words: string[], grep: boolean): CommandEffect {
  const patterns = grep
    ? [
        words.find((word, i) => !word.startsWith('-') && !/^-[efm]$/.test(words[i - 1] ?? '')) ?? '',
        ...words.flatMap((word, i) => (words[i - 1] === '-e' ? [word] : [])),
      ]
    : words.flatMap((word, i) =>
        /^(-S|-G|--grep)$/.test(words[i - 1] ?? '')
          ? [word]
          : /^(-S|-G|--grep=)./.test(word)
            ? [word.replace(/^(-S|-G|--grep=)/, '')]
            : [],
      );
  return patterns.some(searchesForSecrets)
    ? effect({ ...base, secretOutput: [CREDENTIALS_CLASS] })
    : effect(base);
}

function resolveRemote(
  input: ProgramInput,
  remote: string | undefined,
): { url: string | undefined; explicit: boolean } {
  if (remote !== undefined && looksLikeUrl(remote)) return { url: remote, explicit: true };
  return { url: input.env.gitRemoteUrl(remote), explicit: false };
}

function classifyPush(input: ProgramInput, args: ReturnType<typeof parseArgs>): CommandEffect {
  const first = args.operands[0];
  const repo = args.options.get('--repo')?.[0];
  const dynamicRemote = repo === undefined && first !== undefined && !first.literal;
  const { url, explicit } = resolveRemote(input, repo ?? first?.text);
  const refspecs = args.operands.slice(1).map((word) => word.text);
  // A forced push, a deletion or a mirror rewrites history on the remote: there is no undo from here.
  const rewritesHistory =
    hasOption(
      args,
      '-f',
      '--force',
      '--force-with-lease',
      '--force-if-includes',
      '--mirror',
      '--delete',
      '-d',
      '--prune',
    ) || refspecs.some((refspec) => refspec.startsWith('+') || refspec.startsWith(':'));
  const dryRun = hasOption(args, '-n', '--dry-run');
  const destination = dynamicRemote || url === undefined ? undefined : parseGitRemote(url);
  return effect({
    labels: dryRun
      ? ['network_egress']
      : ['network_egress', 'external_write', 'vcs_push', ...(rewritesHistory ? ['destructive'] : [])],
    context: {
      destination_type: 'vcs_remote',
      ...gitDestination(destination, input.env.ownership),
      tenant_provenance: destination === undefined ? 'unknown' : explicit ? 'explicit' : 'ambient',
      account_provenance: 'ambient',
      external_write: dryRun ? 'no' : 'yes',
      reversibility: rewritesHistory && !dryRun ? 'irreversible' : 'reversible',
    },
  });
}

function dryRunPush(
  input: ProgramInput,
  subcommand: ProgramInput['args'][number] | undefined,
  args: ReturnType<typeof parseArgs>,
) {
  return hasOption(args, '-n', '--dry-run')
    ? undefined
    : insertAfter(input.command, subcommand, ' --dry-run');
}

function classifyFetch(input: ProgramInput, name: string, args: ReturnType<typeof parseArgs>): CommandEffect {
  const first = args.operands[0];
  const { url, explicit } = resolveRemote(
    input,
    name === 'clone' || first === undefined || first.literal ? first?.text : undefined,
  );
  const destination = url === undefined ? undefined : parseGitRemote(url);
  return effect({
    labels: ['network_egress', 'untrusted_input'],
    writes: name === 'clone' ? args.operands.slice(1).map((word) => word.text) : [],
    context: {
      destination_type: 'vcs_remote',
      ...gitDestination(destination, input.env.ownership),
      tenant_provenance: destination === undefined ? 'unknown' : explicit ? 'explicit' : 'ambient',
      account_provenance: 'ambient',
    },
  });
}

/** Local subcommands that throw away uncommitted or unreachable work. */
function destroysWork(
  name: string | undefined,
  args: ReturnType<typeof parseArgs>,
  words: string[],
): boolean {
  switch (name) {
    case 'clean':
      return hasOption(args, '-f', '--force') && !hasOption(args, '-n', '--dry-run');
    case 'reset':
      return hasOption(args, '--hard', '--merge', '--keep');
    case 'checkout':
      return hasOption(args, '-f', '--force') || words.includes('--');
    case 'restore':
      return !hasOption(args, '-S', '--staged') || hasOption(args, '-W', '--worktree');
    case 'branch':
      return hasOption(args, '-D') || (hasOption(args, '-d', '--delete') && hasOption(args, '-f', '--force'));
    case 'stash':
      return words[0] === 'drop' || words[0] === 'clear';
    case 'reflog':
      return words[0] === 'expire' || words[0] === 'delete';
    case 'filter-branch':
    case 'filter-repo':
      return true;
    default:
      return false;
  }
}
