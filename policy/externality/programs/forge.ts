// Forge CLIs (gh, glab, hub, tea): each verb either reads from the forge, writes to it (an issue, a pull
// request, a gist, a repository, a release), or prints the token it signs in with. What a write sends is its
// body, its files and whatever is piped into it; where it lands is the repository named with `--repo` or the
// one the checkout's remote points at.
import { hasOption, optionValues, parseArgs } from '../argv.js';
import { gitDestination, hostDestination, parseGitRemote } from '../destination.js';
import {
  effect,
  unknownEffect,
  type CommandContext,
  type ProgramClassifier,
  type ProgramInput,
} from '../effect.js';
import { CREDENTIALS_CLASS } from '../secrets.js';
import type { ShellWord } from '../simple-command.js';
import { classifyGit } from './git.js';

type Impact = 'read' | 'write' | 'publish' | 'push' | 'token' | 'fetch' | 'unknown';

interface Forge {
  host: string;
  gistHost: string;
  /** `GROUP VERB` → what it does; a group or verb not listed is unknown (extensions, aliases). */
  verbs: Record<string, Record<string, Impact>>;
  /** Verbs that are whole commands (`hub pull-request`). */
  single?: Record<string, Impact>;
  /** Groups whose content goes to a paste service rather than a repository. */
  pasteGroups: ReadonlySet<string>;
}

const READS: Record<string, Impact> = {
  list: 'read',
  view: 'read',
  status: 'read',
  diff: 'read',
  checks: 'read',
  download: 'read',
  search: 'read',
};

const GH: Forge = {
  host: 'github.com',
  gistHost: 'gist.github.com',
  pasteGroups: new Set(['gist']),
  verbs: {
    pr: {
      ...READS,
      create: 'write',
      comment: 'write',
      edit: 'write',
      close: 'write',
      reopen: 'write',
      review: 'write',
      merge: 'write',
      ready: 'write',
      checkout: 'fetch',
    },
    issue: {
      ...READS,
      create: 'write',
      comment: 'write',
      edit: 'write',
      close: 'write',
      reopen: 'write',
      transfer: 'write',
      delete: 'write',
    },
    gist: { ...READS, create: 'write', edit: 'write', clone: 'fetch', delete: 'write' },
    release: { ...READS, create: 'publish', upload: 'publish', edit: 'write', delete: 'write' },
    repo: {
      ...READS,
      clone: 'fetch',
      create: 'write',
      fork: 'write',
      edit: 'write',
      delete: 'write',
      archive: 'write',
      sync: 'write',
      'set-default': 'read',
    },
    run: { ...READS, rerun: 'write', cancel: 'write', watch: 'read' },
    workflow: { ...READS, run: 'write', enable: 'write', disable: 'write' },
    secret: { list: 'read', set: 'write', delete: 'write' },
    variable: { list: 'read', get: 'read', set: 'write', delete: 'write' },
    label: { list: 'read', create: 'write', edit: 'write', delete: 'write' },
    auth: { status: 'read', login: 'read', logout: 'read', token: 'token', 'setup-git': 'read' },
    'ssh-key': { list: 'read', add: 'write', delete: 'write' },
    'gpg-key': { list: 'read', add: 'write', delete: 'write' },
    api: {},
    search: { repos: 'read', issues: 'read', prs: 'read', code: 'read', commits: 'read' },
    browse: {},
    status: {},
    extension: { list: 'read', install: 'fetch', upgrade: 'fetch' },
  },
};

const GLAB: Forge = {
  host: 'gitlab.com',
  gistHost: 'gitlab.com',
  pasteGroups: new Set(['snippet']),
  verbs: {
    mr: {
      ...READS,
      create: 'write',
      note: 'write',
      update: 'write',
      close: 'write',
      merge: 'write',
      approve: 'write',
      checkout: 'fetch',
    },
    issue: { ...READS, create: 'write', note: 'write', update: 'write', close: 'write', delete: 'write' },
    snippet: { ...READS, create: 'write' },
    release: { ...READS, create: 'publish', upload: 'publish', delete: 'write' },
    repo: { ...READS, clone: 'fetch', create: 'write', fork: 'write', delete: 'write', archive: 'write' },
    ci: { ...READS, run: 'write', retry: 'write', trace: 'read', lint: 'read' },
    variable: { list: 'read', get: 'read', set: 'write', delete: 'write' },
    auth: { status: 'read', login: 'read' },
    api: {},
  },
};

const HUB: Forge = {
  host: 'github.com',
  gistHost: 'gist.github.com',
  pasteGroups: new Set(['gist']),
  verbs: {
    release: { show: 'read', create: 'publish', edit: 'write', delete: 'write' },
    gist: { show: 'read', create: 'write' },
    issue: { show: 'read', create: 'write', update: 'write' },
    pr: { list: 'read', show: 'read', checkout: 'fetch' },
  },
  single: {
    'pull-request': 'write',
    create: 'write',
    browse: 'read',
    ci: 'read',
    compare: 'read',
    'ci-status': 'read',
    fork: 'write',
  },
};

const VALUE_OPTIONS = new Set([
  '-R',
  '--repo',
  '-b',
  '--body',
  '-F',
  '--body-file',
  '-t',
  '--title',
  '-d',
  '--desc',
  '--description',
  '-B',
  '--base',
  '-H',
  '--head',
  '-l',
  '--label',
  '-a',
  '--assignee',
  '-m',
  '--message',
  '--notes',
  '-n',
  '--notes-file',
  '-X',
  '--method',
  '-f',
  '--raw-field',
  '--field',
  '--input',
  '--source',
  '--remote',
  '-r',
  '--reviewer',
  '--milestone',
  '--hostname',
  '-q',
  '--jq',
  '--template',
  '--filename',
  '--visibility',
  '--target',
  '-T',
  '--json',
]);

function forge(spec: Forge, program: string): ProgramClassifier {
  return (input) => {
    const words = input.args;
    const groupWord = words.find((word) => !word.text.startsWith('-'));
    const group = groupWord?.literal ? groupWord.text : '';
    // hub is also git: `hub push`, `hub clone` are git's.
    if (
      program === 'hub' &&
      group !== '' &&
      spec.single?.[group] === undefined &&
      spec.verbs[group] === undefined
    )
      return classifyGit(input);
    const after = words.slice(groupWord === undefined ? words.length : words.indexOf(groupWord) + 1);
    const args = parseArgs(after, VALUE_OPTIONS);
    const verb = args.operands[0]?.literal ? args.operands[0].text : '';
    let impact: Impact | undefined =
      spec.single?.[group] ?? (group === 'api' ? apiImpact(args) : spec.verbs[group]?.[verb]);
    if (group === 'auth' && hasOption(args, '-t', '--show-token')) impact = 'token';
    if (impact === undefined) return unknownEffect(`${group} ${verb}`.trim());
    const subcommand = spec.single?.[group] ? group : `${group} ${verb}`.trim();
    if (impact === 'token') return effect({ subcommand, secretOutput: [CREDENTIALS_CLASS] });
    const repo = optionValues(args, '-R', '--repo')[0];
    const paste = spec.pasteGroups.has(group);
    const destination = paste
      ? {
          ...hostDestination(spec.gistHost, input.env.ownership),
          destination_ownership: 'unowned' as const,
          destination_visibility: hasOption(args, '-p', '--public')
            ? ('public' as const)
            : ('unknown' as const),
        }
      : repoDestination(
          spec,
          repo ?? (group === 'repo' && verb === 'create' ? args.operands[1]?.text : undefined),
          input,
        );
    const reads = impact === 'read' || impact === 'fetch';
    const context: Partial<CommandContext> = {
      destination_type: 'vcs_remote',
      ...destination,
      tenant_provenance: repo !== undefined || paste ? 'explicit' : 'ambient',
      account_provenance: 'ambient',
      external_write: reads ? 'no' : 'yes',
      reversibility: reads ? 'reversible' : impact === 'publish' || paste ? 'irreversible' : 'reversible',
    };
    // The body, the files and stdin are what the call sends.
    const bodyFiles = optionValues(args, '-F', '--body-file', '--notes-file', '--input');
    const fieldFiles = optionValues(args, '-f', '--raw-field', '--field')
      .map((field) => /^[^=]+=@(.+)$/.exec(field)?.[1])
      .filter((file): file is string => file !== undefined);
    const files =
      paste || impact === 'publish'
        ? args.operands.slice(paste ? 1 : 2).map((word: ShellWord) => word.text)
        : [];
    const labels = ['network_egress', ...(reads ? ['untrusted_input'] : ['external_write'])];
    if (impact === 'publish') labels.push('package_publish');
    if (group === 'repo' && verb === 'create' && hasOption(args, '--push')) labels.push('vcs_push');
    return effect({
      subcommand,
      labels,
      context,
      uploads: [...bodyFiles, ...fieldFiles, ...files].filter((file) => file !== '-'),
      payload: optionValues(
        args,
        '-b',
        '--body',
        '-t',
        '--title',
        '-m',
        '--message',
        '--notes',
        '-f',
        '--raw-field',
        '--field',
        '-d',
        '--desc',
        '--description',
      ),
      trees:
        group === 'repo' && verb === 'create' && hasOption(args, '--push')
          ? optionValues(args, '--source')
          : [],
    });
  };
}

function apiImpact(args: ReturnType<typeof parseArgs>): Impact {
  const method = optionValues(args, '-X', '--method')[0]?.toUpperCase();
  if (method !== undefined) return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
  return hasOption(args, '-f', '--raw-field', '--field', '-F', '--input') ? 'write' : 'read';
}

function repoDestination(spec: Forge, repo: string | undefined, input: ProgramInput) {
  if (repo !== undefined) {
    const full = repo.includes('/') ? repo : `unknown/${repo}`;
    const url = /^[a-z]+:\/\//.test(full)
      ? full
      : `https://${full.split('/').length > 2 ? '' : `${spec.host}/`}${full}`;
    return gitDestination(parseGitRemote(url), input.env.ownership);
  }
  const url = input.env.gitRemoteUrl(undefined);
  return gitDestination(url === undefined ? undefined : parseGitRemote(url), input.env.ownership);
}

export const FORGE_PROGRAMS: Record<string, ProgramClassifier> = {
  gh: forge(GH, 'gh'),
  glab: forge(GLAB, 'glab'),
  hub: forge(HUB, 'hub'),
  tea: forge(
    {
      ...GLAB,
      host: 'gitea.com',
      verbs: {
        pulls: GLAB.verbs.mr ?? {},
        issues: GLAB.verbs.issue ?? {},
        releases: GLAB.verbs.release ?? {},
      },
    },
    'tea',
  ),
};
