// The `proofline` subcommands: each declares its flags and dispatches to its stage, imported lazily so a
// command loads only what it runs.
import { Command, InvalidArgumentError, Option } from 'commander';

import * as assemblerConfig from '../assembler/config.js';
import * as ingestConfig from '../ingest/config.js';
import { DEFAULT_SERVER_URL, ENV } from '../schemas/endpoints.js';
import { topicNames } from '../schemas/topics.js';
import * as transportConfig from '../transport/config.js';
import { assembleServiceConfig, ingestServiceConfig, serveConfig } from './configs.js';
import { HOOK_FLAGS } from './hook-args.js';

const VERSION = '0.1.0';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('not a port number');
  return port;
}

function parseFraction(value: string): number {
  const x = Number(value);
  if (!(x >= 0 && x <= 1)) throw new InvalidArgumentError('must be a number from 0 to 1');
  return x;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export const program = new Command('proofline')
  .description('Signed proof of every AI coding-agent action, from OpenTelemetry and hook telemetry.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)');

const INGEST = ingestConfig.createDefaultConfig();
const ASSEMBLER = assemblerConfig.createDefaultConfig();
const KAFKA = transportConfig.createDefaultKafkaConfig([]);
const COLLECTOR = transportConfig.createDefaultCollectorTopicsConfig();

// Flags carry no commander defaults: an unset flag is undefined, and the stages' own defaults
// (createDefaultConfig) fill it in (cli/configs.ts), so every default is written once.

/** The receiver's flags, shared by `serve` and `ingest`. */
function receiverOptions(command: Command): Command {
  return command
    .option('--host <host>', `address to bind (default: ${INGEST.host})`)
    .option('--port <port>', `OTLP/HTTP port (default: ${INGEST.port})`, parsePort)
    .option('--token <token>', `require this bearer token on every request (default: $${ENV.token})`)
    .option(
      '--policy <file>',
      'guard policy or rule file (YAML); default: allow everything, recorded as such',
    )
    .option(
      '--approvers <file>',
      'approvers file (proofline keygen --approver): whose signed grants answer an approval_gate; default: nobody',
    )
    .option('--store-content', 'keep redacted prompt/argument/output text beside its digest')
    .option(
      '--max-body <bytes>',
      `largest request body after decompression (default: ${INGEST.maxBodyBytes})`,
      parsePositiveInt,
    );
}

/** Where the Kafka topics are and what the brokers take, for every command that can use Kafka. */
function topicOption(command: Command): Command {
  const names = Object.values(topicNames('<prefix>')).join(', ');
  return command
    .option('--topic-prefix <prefix>', `Kafka topics ${names} (default: ${KAFKA.topicPrefix})`)
    .option(
      '--max-record-bytes <bytes>',
      `with --kafka: the largest record the brokers take (their message.max.bytes); larger observations are refused with 413 (default: ${KAFKA.maxRecordBytes})`,
      parsePositiveInt,
    );
}

/** The assembler's timers, shared by `serve` and `assemble`. */
function assemblerOptions(command: Command): Command {
  return command
    .option(
      '--settle-ms <ms>',
      `quiet time after an action closes before it is bundled (default: ${ASSEMBLER.settleMs})`,
      parsePositiveInt,
    )
    .option(
      '--idle-timeout-ms <ms>',
      `seal a session after this long without records (default: ${ASSEMBLER.idleTimeoutMs})`,
      parsePositiveInt,
    )
    .option(
      '--witness <path>',
      'publish signed log checkpoints here, outside the data directory: a directory keeps every one, a file the latest',
    )
    .option(
      '--allow-insecure-key',
      'sign even when group or others can read the signing key (every bundle records it)',
    );
}

assemblerOptions(
  receiverOptions(
    topicOption(program.command('serve')).description(
      'Run the receiver, transport and assembler in one process (embedded store, or Kafka)',
    ),
  ),
)
  .option('--data <dir>', `data directory: store, bundles, keys (default: ${ASSEMBLER.dataDir})`)
  .option('--kafka <brokers>', 'use Kafka (comma-separated brokers) instead of the embedded store')
  .option('--group <name>', `with --kafka: the assemblers' consumer group (default: ${KAFKA.group})`)
  .action(async (flags) => (await import('../service/serve.js')).runServe(serveConfig(flags)));

receiverOptions(
  topicOption(program.command('ingest'))
    .description('Receiver only: OTLP/HTTP and hook calls (or Collector topics) → Kafka')
    .requiredOption('--kafka <brokers>', 'comma-separated Kafka brokers'),
)
  .option(
    '--from-kafka <topics>',
    `instead of HTTP: consume the Collector kafkaexporter topics LOGS,SPANS (e.g. ${COLLECTOR.logsTopic},${COLLECTOR.tracesTopic})`,
  )
  .option('--collector-group <name>', `with --from-kafka: the consumer group (default: ${COLLECTOR.group})`)
  .addOption(
    new Option(
      '--collector-encoding <encoding>',
      `the exporter's encoding (default: ${COLLECTOR.encoding})`,
    ).choices(['otlp_proto', 'otlp_json']),
  )
  .action(async (flags) => (await import('../service/kafka.js')).runKafkaIngest(ingestServiceConfig(flags)));

assemblerOptions(
  topicOption(program.command('assemble'))
    .description('Assembler only: a Kafka consumer group member that writes signed bundles')
    .requiredOption('--kafka <brokers>', 'comma-separated Kafka brokers')
    .option('--group <name>', `consumer group (default: ${KAFKA.group})`)
    .option('--data <dir>', `data directory: bundles, keys, index (default: ${ASSEMBLER.dataDir})`)
    .option(
      '--status-port <port>',
      'serve /healthz, /readyz and /metrics on 127.0.0.1 at this port',
      parsePort,
    ),
).action(async (flags) =>
  (await import('../service/kafka.js')).runKafkaAssemble(assembleServiceConfig(flags)),
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
  .option('--token-file <file>', 'read the bearer token from this file')
  .option('--trust', 'trust the written hooks through `codex app-server` (Codex skips untrusted hooks)')
  .option('--codex <path>', 'the codex binary for --trust (default: codex on PATH)', 'codex')
  .option('--force', 'replace a different [otel] block and earlier proofline hooks (other hooks are kept)')
  .action(async (opts) => {
    const [{ initCodex }, { defaultCodexHome }, { readFile }] = await Promise.all([
      import('../service/codex-init.js'),
      import('../service/codex-config.js'),
      import('node:fs/promises'),
    ]);
    if (opts.token && opts.tokenFile)
      throw new InvalidArgumentError('give --token or --token-file, not both');
    const token = opts.tokenFile
      ? (await readFile(opts.tokenFile, 'utf8')).trim()
      : (opts.token ?? process.env[ENV.token]);
    const lines = await initCodex({
      codexHome: opts.codexHome ?? defaultCodexHome(),
      url: opts.url ?? process.env[ENV.url] ?? DEFAULT_SERVER_URL,
      otlpUrl: opts.otlpUrl,
      token: token || undefined,
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
  .action(async (paths: string[], opts) => {
    const { runVerify } = await import('../verifier/verify-command.js');
    process.exitCode = await runVerify({ paths, ...opts });
  });

program
  .command('report')
  .description('Compliance reports in SQL over the bundles; the HTML audit report; NDJSON and OCSF exports')
  .argument('[paths...]', 'data directories or bundle files', ['.proofline'])
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
