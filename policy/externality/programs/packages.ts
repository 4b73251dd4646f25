// Package managers and image registries: installs bring third-party code in, publishes put ours out for
// good (registries forbid or limit unpublishing), and most managers have a dry-run form to simulate first.
import { hasOption, optionValues, parseArgs } from '../argv.js';
import { hostDestination, hostOf } from '../destination.js';
import {
  effect,
  insertAfter,
  literalText,
  splitSubcommand,
  unknownEffect,
  type CommandEffect,
  type ProgramClassifier,
  type ProgramInput,
} from '../effect.js';
import type { ShellWord } from '../simple-command.js';

interface Manager {
  /** Registry used when the command names none. */
  defaultRegistry: string;
  /** Options naming the registry (a URL or host). */
  registryOptions: string[];
  globalValueOptions: ReadonlySet<string>;
  publish: ReadonlySet<string>;
  install: ReadonlySet<string>;
  /** The flag that turns `publish` into a simulation, when the manager has one. */
  dryRunFlag?: string;
}

const NPM_LIKE: Omit<Manager, 'defaultRegistry'> = {
  registryOptions: ['--registry'],
  globalValueOptions: new Set(['--prefix', '-w', '--workspace', '-C', '--dir', '--filter']),
  publish: new Set(['publish']),
  install: new Set(['install', 'i', 'ci', 'add', 'update', 'up', 'upgrade', 'dlx', 'exec']),
  dryRunFlag: '--dry-run',
};

const MANAGERS: Record<string, Manager> = {
  npm: { ...NPM_LIKE, defaultRegistry: 'registry.npmjs.org' },
  pnpm: { ...NPM_LIKE, defaultRegistry: 'registry.npmjs.org' },
  yarn: { ...NPM_LIKE, defaultRegistry: 'registry.yarnpkg.com', dryRunFlag: undefined },
  bun: { ...NPM_LIKE, defaultRegistry: 'registry.npmjs.org' },
  cargo: {
    defaultRegistry: 'crates.io',
    registryOptions: ['--index', '--registry'],
    globalValueOptions: new Set(['-Z', '--config', '-C']),
    publish: new Set(['publish']),
    install: new Set(['install', 'fetch', 'add', 'update']),
    dryRunFlag: '--dry-run',
  },
  twine: {
    defaultRegistry: 'upload.pypi.org',
    registryOptions: ['--repository-url', '-r', '--repository'],
    globalValueOptions: new Set(),
    publish: new Set(['upload']),
    install: new Set(),
  },
  poetry: {
    defaultRegistry: 'upload.pypi.org',
    registryOptions: ['-r', '--repository'],
    globalValueOptions: new Set(['-C', '--directory']),
    publish: new Set(['publish']),
    install: new Set(['install', 'add', 'update']),
    dryRunFlag: '--dry-run',
  },
  uv: {
    defaultRegistry: 'upload.pypi.org',
    registryOptions: ['--publish-url', '--index'],
    globalValueOptions: new Set(['--directory']),
    publish: new Set(['publish']),
    install: new Set(['add', 'sync', 'pip']),
    dryRunFlag: '--dry-run',
  },
  pip: {
    defaultRegistry: 'pypi.org',
    registryOptions: ['-i', '--index-url'],
    globalValueOptions: new Set(),
    publish: new Set(),
    install: new Set(['install', 'download']),
  },
  gem: {
    defaultRegistry: 'rubygems.org',
    registryOptions: ['--host', '--source', '-s'],
    globalValueOptions: new Set(),
    publish: new Set(['push']),
    install: new Set(['install', 'update']),
  },
  go: {
    defaultRegistry: 'proxy.golang.org',
    registryOptions: [],
    globalValueOptions: new Set(['-C']),
    publish: new Set(),
    install: new Set(['get', 'install', 'mod']),
  },
};
MANAGERS.pip3 = MANAGERS.pip as Manager;

function registryHost(values: string[], manager: Manager): string | undefined {
  const given = values[0];
  if (given === undefined) return manager.defaultRegistry;
  return hostOf(given) ?? undefined;
}

function packageManager(manager: Manager): ProgramClassifier {
  return (input) => {
    const { subcommand, rest } = splitSubcommand(input.args, manager.globalValueOptions);
    const name = literalText(subcommand) ?? '';
    const args = parseArgs(
      rest,
      new Set(manager.registryOptions.concat(['--otp', '--tag', '--access', '-u', '-p', '--token'])),
    );
    const registries = optionValues(args, ...manager.registryOptions);
    const host = registryHost(registries, manager);
    const destination = {
      destination_type: 'package_registry' as const,
      ...hostDestination(host, input.env.ownership, input.env.ownership.registries),
    };
    if (manager.publish.has(name)) {
      const dryRun = hasOption(args, '--dry-run', '-n');
      return effect({
        subcommand: name,
        labels: dryRun ? ['network_egress'] : ['network_egress', 'external_write', 'package_publish'],
        context: {
          ...destination,
          tenant_provenance: registries.length > 0 ? 'explicit' : 'ambient',
          account_provenance: hasOption(args, '--otp', '--token', '-u', '-p') ? 'explicit' : 'ambient',
          external_write: dryRun ? 'no' : 'yes',
          reversibility: dryRun ? 'reversible' : 'irreversible',
        },
        dryRun:
          dryRun || manager.dryRunFlag === undefined
            ? undefined
            : insertAfter(input.command, subcommand, ` ${manager.dryRunFlag}`),
      });
    }
    if (manager.install.has(name)) {
      return effect({
        subcommand: name,
        labels: ['network_egress', 'untrusted_input'],
        context: {
          ...destination,
          tenant_provenance: registries.length > 0 ? 'explicit' : 'ambient',
          account_provenance: 'ambient',
        },
      });
    }
    // run, test, build, exec…: the project's own scripts, which may do anything.
    return unknownEffect(name);
  };
}

/** `registry.example.com/team/app:1` → its registry host; a bare `team/app` lives on Docker Hub. */
function imageRegistry(image: ShellWord | undefined): string | undefined {
  if (image === undefined || !image.literal) return undefined;
  const first = image.text.split('/')[0] ?? '';
  return image.text.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first.replace(/:\d+$/, '')
    : 'docker.io';
}

function containerCli(input: ProgramInput): CommandEffect {
  const { subcommand, rest } = splitSubcommand(
    input.args,
    new Set(['-H', '--host', '--context', '-c', '--config', '--log-level']),
  );
  const name = literalText(subcommand) ?? '';
  const args = parseArgs(rest, new Set(['-a', '--all-tags', '--platform']));
  const host = imageRegistry(args.operands[0]);
  const destination = {
    destination_type: 'package_registry' as const,
    ...hostDestination(host, input.env.ownership, input.env.ownership.registries),
  };
  if (name === 'push') {
    return effect({
      subcommand: name,
      labels: ['network_egress', 'external_write', 'package_publish'],
      context: {
        ...destination,
        tenant_provenance: host === undefined ? 'unknown' : 'explicit',
        account_provenance: 'ambient',
        external_write: 'yes',
        reversibility: 'irreversible',
      },
    });
  }
  if (name === 'pull') {
    return effect({
      subcommand: name,
      labels: ['network_egress', 'untrusted_input'],
      context: { ...destination, tenant_provenance: 'explicit', account_provenance: 'ambient' },
    });
  }
  if (['ps', 'images', 'inspect', 'logs', 'version', 'info'].includes(name))
    return effect({ subcommand: name });
  return unknownEffect(name);
}

export const PACKAGE_PROGRAMS: Record<string, ProgramClassifier> = {
  ...Object.fromEntries(
    Object.entries(MANAGERS).map(([program, manager]) => [program, packageManager(manager)]),
  ),
  docker: containerCli,
  podman: containerCli,
};
