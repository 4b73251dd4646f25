// The `proofline` subcommands: each declares its flags and dispatches to its stage, imported lazily so a
// command loads only what it runs.
import { Command, InvalidArgumentError, Option } from 'commander';

import * as assemblerConfig from '../assembler/config.js';
import { DEFAULT_SERVER_URL, ENV } from '../schemas/endpoints.js';
import { assembleServiceConfig, ingestServiceConfig, serveConfig, settingsOfConfig } from './configs.js';
import { HOOK_FLAGS } from './hook-args.js';
import { renderEffectiveConfig } from './print-config.js';
import { resolveSettings } from './resolve.js';
import {
  CONFIG_ENV,
  envOf,
  flagOf,
  parsePositiveInt,
  settingsOf,
  SETTINGS,
  type CommandName,
} from './settings.js';

const VERSION = '0.1.0';

/** For the one-shot commands' help (export) that read a data directory. */
const ASSEMBLER = assemblerConfig.createDefaultConfig();

function parseFraction(value: string): number {
  const x = Number(value);
  if (!(x >= 0 && x <= 1)) throw new InvalidArgumentError('must be a number from 0 to 1');
  return x;
}

export const program = new Command('proofline')
  .description('Signed proof of every AI coding-agent action, from OpenTelemetry and hook telemetry.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  // A command line commander refuses (an unknown flag, a value its parser rejects) is a usage error: exit 2, as
  // every ProoflineError of that kind, never commander's 1, which `verify` and its CI gate mean as "a check
  // failed". Subcommands inherit this. Help and --version still exit 0.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

/** A long-running command's flags, from the settings table (cli/settings.ts), plus --config and
 * --print-config. Flags carry no commander defaults: an unset flag is undefined, so the environment, the
 * config file and then the stages' own defaults (configs.ts) can fill it in. */
function serviceCommand(name: CommandName, description: string): Command {
  const command = program.command(name).description(description);
  for (const setting of settingsOf(name)) {
    const { type, choices, description: help } = SETTINGS[setting];
    const option = new Option(
      `--${flagOf(setting)}${type ? ` ${type.placeholder}` : ''}`,
      `${help} [$${envOf(setting)}]`,
    );
    if (choices) option.choices(choices);
    else if (type) option.argParser(type.parse);
    command.addOption(option);
  }
  return command
    .option('--config <file>', `config file (YAML, keys as these flags) [$${CONFIG_ENV}]`)
    .option('--print-config', 'print the effective configuration and where each value came from, then exit');
}

/** Resolves the settings, builds the config (which validates it), then prints it or runs. */
function runService<C extends Parameters<typeof settingsOfConfig>[0]>(
  name: CommandName,
  build: (values: ReturnType<typeof resolveSettings>['values']) => C,
  run: (config: C) => Promise<void>,
) {
  return async (_flags: unknown, command: Command): Promise<void> => {
    const resolved = resolveSettings(name, command);
    const config = build(resolved.values);
    if (command.opts().printConfig) {
      process.stdout.write(renderEffectiveConfig(resolved, settingsOfConfig(config)));
      return;
    }
    await run(config);
  };
}

serviceCommand(
  'serve',
  'Run the receiver, transport and assembler in one process (embedded store, or Kafka)',
).action(
  runService('serve', serveConfig, async (config) => (await import('../service/serve.js')).runServe(config)),
);

serviceCommand('ingest', 'Receiver only: OTLP/HTTP and hook calls (or Collector topics) → Kafka').action(
  runService('ingest', ingestServiceConfig, async (config) =>
    (await import('../service/kafka.js')).runKafkaIngest(config),
  ),
);

serviceCommand('assemble', 'Assembler only: a Kafka consumer group member that writes signed bundles').action(
  runService('assemble', assembleServiceConfig, async (config) =>
    (await import('../service/kafka.js')).runKafkaAssemble(config),
  ),
);

// Runs through cli/main.ts's fast path; declared here for `--help` and the command list.
const hook = program
  .command('hook')
  .description(
    'Codex hook command of older hooks.json files: hands the call to bin/proofline-hook (see `init codex`)',
  );
for (const [name, flag] of Object.entries(HOOK_FLAGS))
  hook.option(`--${name} ${flag.value}`, flag.description);

const init = program.command('init').description('Point a runtime at proofline');
init
  .command('codex')
  .description(
    'Write $CODEX_HOME/hooks.json (every event → bin/proofline-hook), its header file and config.toml [otel]',
  )
  .option('--codex-home <dir>', 'the Codex home (default: $CODEX_HOME, then ~/.codex)')
  .option('--url <url>', `proofline server (default: $${ENV.url}, then ${DEFAULT_SERVER_URL})`)
  .option('--otlp-url <url>', 'where Codex exports OTLP, when not to --url (a Collector in front)')
  .option('--token <token>', `bearer token the server requires (default: $${ENV.token})`)
  .option('--token-file <file>', 'read the bearer token from this file (mode 0600 or 0640)')
  .option(
    '--ca-cert <file>',
    "with an https:// server: the CA (PEM) its certificate chains to, for the hook client and Codex's exporters",
  )
  .option('--trust', 'trust the written hooks through `codex app-server` (Codex skips untrusted hooks)')
  .option('--codex <path>', 'the codex binary for --trust (default: codex on PATH)', 'codex')
  .option('--force', 'replace a different [otel] block and earlier proofline hooks (other hooks are kept)')
  .action(async (opts) => {
    const [{ initCodex }, { defaultCodexHome }, { readTokenFile }] = await Promise.all([
      import('../service/codex-init.js'),
      import('../service/codex-config.js'),
      import('../schemas/secret-file.js'),
    ]);
    if (opts.token && opts.tokenFile)
      throw new InvalidArgumentError('give --token or --token-file, not both');
    const token = opts.tokenFile ? readTokenFile(opts.tokenFile) : (opts.token ?? process.env[ENV.token]);
    const lines = await initCodex({
      codexHome: opts.codexHome ?? defaultCodexHome(),
      url: opts.url ?? process.env[ENV.url] ?? DEFAULT_SERVER_URL,
      otlpUrl: opts.otlpUrl,
      token: token || undefined,
      ...(opts.caCert === undefined ? {} : { caFile: opts.caCert }),
      force: opts.force === true,
      ...(opts.trust ? { trust: { codex: opts.codex } } : {}),
    });
    process.stdout.write(`${lines.join('\n')}\n`);
  });

program
  .command('doctor')
  .description(
    'Check a Codex home: hooks, trust, [otel], server, token (PASS/FAIL per line; non-zero on FAIL)',
  )
  .option('--codex-home <dir>', 'the Codex home (default: $CODEX_HOME, then ~/.codex)')
  .option('--codex <path>', 'the codex binary for the trust check (default: codex on PATH)')
  .action(async (opts) => {
    const [{ runDoctor }, { defaultCodexHome }] = await Promise.all([
      import('../service/codex-doctor.js'),
      import('../service/codex-config.js'),
    ]);
    const checks = await runDoctor({ codexHome: opts.codexHome ?? defaultCodexHome(), codex: opts.codex });
    for (const check of checks)
      process.stdout.write(`${check.status.padEnd(4)} ${check.what}: ${check.detail}\n`);
    process.exitCode = checks.some((check) => check.status === 'FAIL') ? 1 : 0;
  });

program
  .command('approvals')
  .description('List the calls waiting for a human approval, with the command each would run')
  .option('--url <url>', `proofline server (default: $${ENV.url}, then ${DEFAULT_SERVER_URL})`)
  .option('--token <token>', `bearer token (default: $${ENV.token})`)
  .action(async (opts) => {
    const { runApprovals } = await import('../ingest/guard/approve-command.js');
    await runApprovals({ ...serverFlags(opts), stdout: process.stdout });
  });

program
  .command('approve')
  .description(
    'Approve (or --deny) a call the guard gated, with a grant signed by your approver key; the same call, retried unchanged, runs once',
  )
  .argument('<id>', 'the approval id (proofline approvals, the Codex message, or the server log)')
  .requiredOption('--key <file>', 'your approver key (proofline keygen --approver NAME)')
  .option(
    '--passphrase-file <file>',
    'read the key passphrase from this file instead of the terminal (automation; weaker: whoever reads the file can approve)',
  )
  .option(
    '--valid-for <minutes>',
    'how long the grant may wait for the retry (default 10, at most 60)',
    parsePositiveInt,
  )
  .option('--url <url>', `proofline server (default: $${ENV.url}, then ${DEFAULT_SERVER_URL})`)
  .option('--token <token>', `bearer token (default: $${ENV.token})`)
  .option('--deny', 'refuse instead of approving', false)
  .action(async (id: string, opts) => {
    const [{ runApprove }, { readPassphrase }] = await Promise.all([
      import('../ingest/guard/approve-command.js'),
      import('./passphrase.js'),
    ]);
    await runApprove({
      ...serverFlags(opts),
      id,
      keyFile: opts.key,
      passphrase: () => readPassphrase(`passphrase for ${opts.key}: `, { file: opts.passphraseFile }),
      deny: opts.deny,
      ...(opts.validFor === undefined ? {} : { validForMs: opts.validFor * 60_000 }),
      stdout: process.stdout,
      stderr: process.stderr,
    });
  });

function serverFlags(opts: { url?: string; token?: string }) {
  return {
    url: opts.url ?? process.env[ENV.url] ?? DEFAULT_SERVER_URL,
    token: opts.token ?? process.env[ENV.token],
    timeoutMs: 10_000,
  };
}

program
  .command('keygen')
  .description(
    'Create an Ed25519 signing key (mode 0600) and its public key set; with --approver NAME, an approver key pair instead',
  )
  .option('--out <dir>', 'key directory (default: .proofline/keys; with --approver, ~/.proofline/approvers)')
  .option('--approver <name>', "an approver's key, encrypted with a passphrase read from the terminal")
  .option(
    '--passphrase-file <file>',
    'with --approver: read the passphrase from this file (automation; weaker)',
  )
  .option('--force', 'replace an existing key', false)
  .action(async (opts) => {
    const keys = await import('../assembler/keygen.js');
    if (opts.approver === undefined) {
      const made = await keys.keygen(opts.out ?? '.proofline/keys', { force: opts.force });
      process.stdout.write(
        `keyid ${made.keyid}\nprivate key ${made.privateKeyPath}\npublic keys ${made.publicKeySetPath}\n`,
      );
      return;
    }
    const { readPassphrase } = await import('./passphrase.js');
    const passphrase = await readPassphrase(`passphrase for approver ${opts.approver}: `, {
      file: opts.passphraseFile,
      confirm: true,
    });
    const { homedir } = await import('node:os');
    const { join } = await import('node:path');
    const out = opts.out ?? join(homedir(), '.proofline', 'approvers');
    const made = await keys.keygenApprover(opts.approver, out, passphrase, { force: opts.force });
    process.stdout.write(
      `approver ${made.entry.name}, keyid ${made.entry.keyid}\n` +
        `private key ${made.privateKeyPath} (encrypted; keep it where the agent cannot read it)\n` +
        `register it: add this entry to the server's approvers file (serve --approvers FILE), or use ${made.entryPath} as one\n` +
        `${JSON.stringify(made.entry, null, 2)}\n`,
    );
  });

program
  .command('export')
  .description("Write a data directory's bundles and seals as one file each, with its log and public keys")
  .requiredOption('--out <dir>', 'an empty or new directory')
  .option('--data <dir>', `data directory (default: ${ASSEMBLER.dataDir})`, ASSEMBLER.dataDir)
  .action(async (opts) => {
    const { exportDataDir } = await import('../assembler/export.js');
    const result = await exportDataDir(opts.data, opts.out);
    process.stdout.write(`${result.files} files written to ${opts.out}\n`);
    for (const location of result.skipped)
      process.stderr.write(`proofline: not exported (not a readable bundle, or a duplicate): ${location}\n`);
  });

program
  .command('verify')
  .description('Check signatures, digests, chains, seals and receipt completeness; non-zero exit on failure')
  .argument('[paths...]', 'data directories or bundle files', ['.proofline'])
  .option('--keys <file>', 'trusted public key set (default: the data directory’s own, with a warning)')
  .option(
    '--approvers <file>',
    'trusted approvers file, for signed approval grants (default: the data directory’s registered ones, with a warning)',
  )
  .option('--min-completeness <x>', 'fail when overall completeness is below this', parseFraction, 0)
  .addOption(
    new Option('--format <format>', 'output format').choices(['text', 'json', 'junit']).default('text'),
  )
  .option('--db <file>', 'DuckDB file to load into (default: in memory)')
  .option(
    '--policy <file>',
    'a policy in force when the bundles were made: re-derive their routes under it (repeatable)',
    (file: string, files: string[] = []) => [...files, file],
  )
  .option(
    '--checkpoint <path>',
    'a published log checkpoint (a note, or a witness directory of them): the log must extend it (repeatable)',
    (file: string, files: string[] = []) => [...files, file],
  )
  .option(
    '--log <file>',
    'the embedded log (<data>/pipeline.duckdb, server stopped): compare each seal with it',
  )
  .option(
    '--attest <file>',
    'also write the verdict as a signed in-toto statement (test-result v0.1) to this file; needs --attest-key',
  )
  .option('--attest-key <file>', "the verifier's own Ed25519 private key (PEM, mode 0600) to sign it with")
  .action(async (paths: string[], opts) => {
    const { runVerify } = await import('../verifier/verify-command.js');
    process.exitCode = await runVerify({ paths, ...opts });
  });

program
  .command('report')
  .description('Compliance reports in SQL over the bundles; the HTML audit report; NDJSON and OCSF exports')
  .argument('[paths...]', 'data directories or bundle files', ['.proofline'])
  .option('--keys <file>', 'trusted public key set (default: the data directory’s own, with a warning)')
  .option(
    '--approvers <file>',
    'trusted approvers file, for signed approval grants (default: the data directory’s registered ones, with a warning)',
  )
  .option('--builtin <name>', 'a built-in report (see --list)')
  .option('--sql <query>', 'your own SQL over the loaded tables, inline')
  .option('--sql-file <file>', 'your own SQL over the loaded tables, from a file')
  .option('--list', 'list the built-in reports and the tables', false)
  .addOption(
    new Option('--format <format>', 'output format (html and ocsf take no query)')
      .choices(['table', 'csv', 'json', 'ndjson', 'ocsf', 'html'])
      .default('table'),
  )
  .option('--out <file>', 'write the report to this file instead of stdout')
  .option('--since <time>', 'only actions at or after this runtime time (2026-11-21 or 2026-11-21T10:00:00Z)')
  .option('--until <time>', 'only actions before this runtime time')
  .option('--db <file>', 'DuckDB file to load into (default: in memory)')
  .action(async (paths: string[], opts) => {
    const { runReport } = await import('../verifier/report-command.js');
    process.exitCode = await runReport({ paths, ...opts });
  });

program
  .command('demo')
  .description('Replay the bundled real Codex captures through the embedded pipeline and verify the result')
  .option('--data <dir>', 'keep the demo data here (default: a fresh temporary directory)')
  .action(async (opts) => (await import('../service/demo.js')).runDemo(opts));

program
  .command('eval')
  .description(
    'Run the labelled corpus through the pipeline; score routes and proofs beside baselines and ablations',
  )
  .option('--corpus <dir>', 'corpus directory (seeds, traces/index.json)')
  .option('--data <dir>', 'keep the pipeline data here (default: a fresh temporary directory)')
  .option('--json [file]', 'print the report as JSON, or write it to <file> beside the table')
  .action(async (opts) => (await import('./eval.js')).runEval(opts));
