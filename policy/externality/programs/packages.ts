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
import { CREDENTIALS_CLASS } from '../secrets.js';
import { authenticatesTo } from './network.js';
import type { ShellWord } from '../simple-command.js';

interface Manager {
  /** Registry used when the command names none. */
  defaultRegistry: string;
  /** Where `config set` writes (default ~/.npmrc). */
  configFile?: string;
  /** Subcommands that compile or inspect locally and run none of the project's code. */
  local?: ReadonlySet<string>;
  /** Options naming the registry (a URL or host). */
  registryOptions: string[];
  globalValueOptions: ReadonlySet<string>;
  publish: ReadonlySet<string>;
  install: ReadonlySet<string>;
  /** The flag that turns `publish` into a simulation, when the manager has one. */
  dryRunFlag?: string;
  /** Installing runs code from the packages (npm lifecycle scripts, setup.py, build.rs): unless this flag
   * turns that off, what the install does besides downloading is unknown. */
  scriptsOff?: string;
}

// Subcommands that only ask the registry or read local state.
const QUERIES = new Set([
  'view',
  'info',
  'show',
  'ls',
  'list',
  'outdated',
  'audit',
  'search',
  'whoami',
  'ping',
  'help',
  'doctor',
  'explain',
  'why',
  '--version',
  '-v',
  'version',
  'cache',
  'prefix',
  'root',
  'bin',
  'fund',
  'query',
  'freeze',
  'check',
  'tree',
  'metadata',
  'env',
  'get',
  'licenses',
]);
// Subcommands that change what the registry holds besides publishing.
const REGISTRY_WRITES = new Set([
  'unpublish',
  'deprecate',
  'dist-tag',
  'owner',
  'access',
  'yank',
  'team',
  'org',
]);

const NPM_LIKE: Omit<Manager, 'defaultRegistry'> = {
  registryOptions: ['--registry'],
  globalValueOptions: new Set(['--prefix', '-w', '--workspace', '-C', '--dir', '--filter']),
  publish: new Set(['publish']),
  install: new Set(['install', 'i', 'ci', 'add', 'update', 'up', 'upgrade', 'rebuild']),
  dryRunFlag: '--dry-run',
  scriptsOff: '--ignore-scripts',
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
    local: new Set(['build', 'vet', 'fmt', 'list', 'version', 'env', 'doc', 'clean']),
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
    let { subcommand, rest } = splitSubcommand(input.args, manager.globalValueOptions);
    // Yarn 2+ reaches the registry through `yarn npm publish|info|…`.
    if (literalText(subcommand) === 'npm' && manager.defaultRegistry === 'registry.yarnpkg.com')
      ({ subcommand, rest } = splitSubcommand(rest, manager.globalValueOptions));
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
      const scripts =
        manager.defaultRegistry !== 'proxy.golang.org' &&
        (manager.scriptsOff === undefined || !hasOption(args, manager.scriptsOff));
      return effect({
        subcommand: name,
        labels: ['network_egress', 'untrusted_input'],
        context: {
          ...destination,
          tenant_provenance: registries.length > 0 ? 'explicit' : 'ambient',
          account_provenance: 'ambient',
          ...(scripts ? { external_write: 'unknown' as const, reversibility: 'unknown' as const } : {}),
        },
      });
    }
    if (manager.local?.has(name)) return effect({ subcommand: name });
    if (name === 'token' && args.operands[0]?.text === 'create')
      return effect({ subcommand: 'token create', secretOutput: [CREDENTIALS_CLASS] });
    if (name === 'config' || name === 'set') {
      const verb = name === 'set' ? 'set' : (args.operands[0]?.text ?? '');
      return verb === 'set' || verb === 'delete' || verb === 'edit'
        ? effect({ subcommand: `config ${verb}`, writes: [manager.configFile ?? '~/.npmrc'] })
        : effect({ subcommand: `config ${verb}` });
    }
    if (name === 'pack' || QUERIES.has(name))
      return effect({
        subcommand: name,
        labels: name === 'pack' ? [] : ['network_egress'],
        context:
          name === 'pack'
            ? {}
            : { ...destination, tenant_provenance: 'ambient', account_provenance: 'ambient' },
      });
    if (REGISTRY_WRITES.has(name)) {
      const removes = name === 'unpublish' || name === 'yank';
      return effect({
        subcommand: name,
        labels: ['network_egress', 'external_write', ...(removes ? ['deletion', 'destructive'] : [])],
        context: {
          ...destination,
          tenant_provenance: 'ambient',
          account_provenance: 'ambient',
          external_write: 'yes',
          reversibility: removes ? 'irreversible' : 'reversible',
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
  const args = parseArgs(
    rest,
    new Set([
      '-a',
      '--all-tags',
      '--platform',
      '-t',
      '--tag',
      '-f',
      '--file',
      '-u',
      '--username',
      '-p',
      '--password',
    ]),
  );
  const buildPush = (name === 'build' || name === 'buildx') && hasOption(args, '--push');
  const image = buildPush
    ? (args.options.get('-t')?.[0] ?? args.options.get('--tag')?.[0])
    : args.operands[0]?.text;
  const host = imageRegistry(
    image === undefined ? undefined : { text: image, literal: true, start: 0, end: 0 },
  );
  const destination = {
    destination_type: 'package_registry' as const,
    ...hostDestination(host, input.env.ownership, input.env.ownership.registries),
  };
  // `docker build --push`, `docker buildx build --push`: the image is published when it is built.
  if (name === 'push' || buildPush) {
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
  if (name === 'login') {
    // The password goes to the registry it signs in to (its own service), and nowhere else.
    const registry = args.operands[0]?.text ?? 'docker.io';
    const passwords = optionValues(args, '-p', '--password');
    return effect({
      subcommand: name,
      labels: ['network_egress'],
      credentialFiles: passwords.filter((value) => authenticatesTo(value, registry, input)),
      context: {
        ...destination,
        ...hostDestination(registry, input.env.ownership, input.env.ownership.registries),
        tenant_provenance: 'explicit',
        account_provenance: 'explicit',
      },
    });
  }
  if (['ps', 'images', 'inspect', 'logs', 'version', 'info'].includes(name))
    return effect({ subcommand: name });
  return unknownEffect(name);
}

/** Build tools and publishers whose publishing verb the guard knows; every other verb runs the project's
 * build, which may do anything. */
interface Publisher {
  publishes: RegExp;
  defaultRegistry: string;
  registryOptions: string[];
  dryRunFlag?: string;
}

const PUBLISHERS: Record<string, Publisher> = {
  mvn: {
    publishes: /(^| )(deploy|deploy:deploy|release:perform)( |$)/,
    defaultRegistry: 'repo.maven.apache.org',
    registryOptions: ['-DaltDeploymentRepository'],
  },
  gradle: {
    publishes: /(^| |:)(publish\w*|uploadArchives)( |$)/,
    defaultRegistry: 'plugins.gradle.org',
    registryOptions: [],
    dryRunFlag: '--dry-run',
  },
  sbt: {
    publishes: /(^| )(\+?publish(Signed)?|release)( |$)/,
    defaultRegistry: 'repo.maven.apache.org',
    registryOptions: [],
  },
  dotnet: {
    publishes: /^nuget push( |$)/,
    defaultRegistry: 'api.nuget.org',
    registryOptions: ['-s', '--source'],
  },
  nuget: { publishes: /^push( |$)/, defaultRegistry: 'api.nuget.org', registryOptions: ['-Source', '-s'] },
  vsce: { publishes: /^publish( |$)/, defaultRegistry: 'marketplace.visualstudio.com', registryOptions: [] },
  ovsx: {
    publishes: /^publish( |$)/,
    defaultRegistry: 'open-vsx.org',
    registryOptions: ['-r', '--registryUrl'],
  },
  flit: { publishes: /^publish( |$)/, defaultRegistry: 'upload.pypi.org', registryOptions: ['--repository'] },
  hatch: {
    publishes: /^publish( |$)/,
    defaultRegistry: 'upload.pypi.org',
    registryOptions: ['-r', '--repo'],
  },
  pdm: {
    publishes: /^publish( |$)/,
    defaultRegistry: 'upload.pypi.org',
    registryOptions: ['-r', '--repository'],
    dryRunFlag: '--dry-run',
  },
  anaconda: { publishes: /^upload( |$)/, defaultRegistry: 'anaconda.org', registryOptions: [] },
  deno: {
    publishes: /^publish( |$)/,
    defaultRegistry: 'jsr.io',
    registryOptions: [],
    dryRunFlag: '--dry-run',
  },
  jsr: {
    publishes: /^publish( |$)/,
    defaultRegistry: 'jsr.io',
    registryOptions: [],
    dryRunFlag: '--dry-run',
  },
  goreleaser: { publishes: /^release( |$)/, defaultRegistry: 'github.com', registryOptions: [] },
  pod: { publishes: /^trunk push( |$)/, defaultRegistry: 'trunk.cocoapods.org', registryOptions: [] },
  mix: { publishes: /^hex\.publish( |$)/, defaultRegistry: 'hex.pm', registryOptions: [] },
  rebar3: { publishes: /^hex publish( |$)/, defaultRegistry: 'hex.pm', registryOptions: [] },
  buildah: { publishes: /^push( |$)/, defaultRegistry: 'docker.io', registryOptions: [] },
  skopeo: { publishes: /^copy( |$)/, defaultRegistry: 'docker.io', registryOptions: [] },
  crane: { publishes: /^(push|copy|cp)( |$)/, defaultRegistry: 'docker.io', registryOptions: [] },
  oras: { publishes: /^push( |$)/, defaultRegistry: 'docker.io', registryOptions: [] },
};
PUBLISHERS.gradlew = PUBLISHERS.gradle as Publisher;
PUBLISHERS.mvnw = PUBLISHERS.mvn as Publisher;

function publisher(spec: Publisher): ProgramClassifier {
  return (input) => {
    const verbs = input.args
      .filter((word) => !word.text.startsWith('-'))
      .map((word) => word.text)
      .join(' ');
    if (!spec.publishes.test(verbs)) return unknownEffect(verbs.split(' ')[0] ?? '');
    if (spec.dryRunFlag && input.args.some((word) => word.text === spec.dryRunFlag))
      return effect({ subcommand: 'publish', labels: ['network_egress'] });
    // Images and artifacts go where the last operand names, when it names a host.
    const target = [...input.args].reverse().find((word) => !word.text.startsWith('-'));
    const named = target?.text.match(/^(?:[a-z]+:\/\/)?([a-z0-9.-]+\.[a-z]{2,}|localhost)(?::\d+)?\//i)?.[1];
    const registryFlag = input.args.find(
      (word, i) =>
        spec.registryOptions.includes(input.args[i - 1]?.text ?? '') ||
        spec.registryOptions.some((option) => word.text.startsWith(`${option}=`)),
    );
    const host =
      named ?? (registryFlag ? hostOf(registryFlag.text.replace(/^[^=]*=/, '')) : spec.defaultRegistry);
    return effect({
      subcommand: 'publish',
      labels: ['network_egress', 'external_write', 'package_publish'],
      context: {
        destination_type: 'package_registry',
        ...hostDestination(host, input.env.ownership, input.env.ownership.registries),
        tenant_provenance: named || registryFlag ? 'explicit' : 'ambient',
        account_provenance: 'ambient',
        external_write: 'yes',
        reversibility: 'irreversible',
      },
    });
  };
}

export const PACKAGE_PROGRAMS: Record<string, ProgramClassifier> = {
  ...Object.fromEntries(Object.entries(PUBLISHERS).map(([program, spec]) => [program, publisher(spec)])),
  ...Object.fromEntries(
    Object.entries(MANAGERS).map(([program, manager]) => [program, packageManager(manager)]),
  ),
  docker: containerCli,
  podman: containerCli,
};
