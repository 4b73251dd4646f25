// git: pushes leave the machine (to a remote named in the command or in the repo's config), fetches bring
// untrusted content in, and a few local subcommands destroy work that no later command can bring back.
import { hasOption, parseArgs } from '../argv.js';
import { gitDestination, parseGitRemote } from '../destination.js';
import {
  effect,
  insertAfter,
  literalText,
  splitSubcommand,
  type CommandEffect,
  type ProgramInput,
} from '../effect.js';

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

export function classifyGit(input: ProgramInput): CommandEffect {
  const { subcommand, rest } = splitSubcommand(input.args, GLOBAL_VALUE_OPTIONS);
  const name = literalText(subcommand);
  const args = parseArgs(rest, PUSH_VALUE_OPTIONS);
  const base = { subcommand: name ?? '' };
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
  // status, log, diff, commit, branch, switch, merge…: local and recoverable through the reflog.
  return effect(base);
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
