// Shared by the Collector tests: the OpenTelemetry Collector of deploy/collector/, built and started by its own
// script; the Codex captures' log and trace exports posted to it byte for byte, as Codex sent them; the same
// exports posted straight to `proofline serve` as the reference; and what the bundles say, read back and checked
// with `proofline verify` (a real process, like every proofline here).
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

import { listScenarios, loadScenario, postOtlp, type OtlpRequest } from '../../service/replay.js';
import type { VerifyReport } from '../../verifier/verify-command.js';
import { PROOFLINE_CLI, REPO_ROOT } from '../../harness/codex/repo.js';
import { actionProofs, freshDataDir, readBundles, seals } from '../e2e/support.js';
import { startListening, waitForSeals, type ProoflineProcess } from '../kafka-e2e/support.js';
import { freePort } from '../kafka/broker.js';

const run = promisify(execFile);

export const COLLECTOR_DIR = join(REPO_ROOT, 'deploy', 'collector');
const SCRIPT = join(COLLECTOR_DIR, 'collector.sh');

/** The shipped Collector configs: recipe 1 (→ Kafka) and recipe 2 (→ proofline over OTLP/HTTP). */
export const COLLECTOR_CONFIGS = {
  kafka: join(COLLECTOR_DIR, 'kafka.yaml'),
  otlphttp: join(COLLECTOR_DIR, 'otlphttp.yaml'),
} as const;

/** Sessions in the captures' log and trace exports: 23 captures (all but one), two with a guardian sub-session. */
export const CAPTURE_SESSIONS = 25;
/** Records the receiver rejects among them: one log record each in four captures carries no session id. */
export const CAPTURE_RECORDS_WITHOUT_SESSION = 4;

/** Short timers, the same for every path compared, so sessions seal within seconds of their last record. */
export const TIMERS = ['--settle-ms', '2000', '--idle-timeout-ms', '6000'];

async function collectorSh(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await run('bash', [SCRIPT, ...args], {
      env: { ...process.env, ...env },
      // A first build on a new machine compiles the Collector (a few minutes).
      timeout: 900_000,
    });
    return stdout.trim();
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`collector.sh ${args.join(' ')} failed:\n${stdout}\n${stderr}`);
  }
}

/** The Collector binary (built on first use, cached outside the repository). */
export async function collectorBinary(): Promise<string> {
  return (await collectorSh(['build'])).split('\n').at(-1)!;
}

/** One line of the Collector's own log (JSON, as the shipped configs ask). */
export interface CollectorLogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface RunningCollector {
  /** The OTLP/HTTP receiver's base URL. */
  url: string;
  logLines(): Promise<CollectorLogLine[]>;
  stop(): Promise<void>;
}

/** `collector.sh start` with a shipped config, on a free port, with its own state directory; `env` fills the
 * config's ${env:…} settings. */
export async function startCollector(
  config: keyof typeof COLLECTOR_CONFIGS,
  env: Record<string, string>,
): Promise<RunningCollector> {
  const port = String(await freePort());
  const state = await mkdtemp(join(tmpdir(), 'proofline-otelcol-test-'));
  const scriptEnv = { ...env, PROOFLINE_OTELCOL_STATE: state };
  const url = await collectorSh(['start', '--port', port, '--config', COLLECTOR_CONFIGS[config]], scriptEnv);
  let stopped: Promise<void> | undefined;
  return {
    url,
    logLines: async () =>
      (await readFile(join(state, 'otelcol.log'), 'utf8'))
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as CollectorLogLine),
    stop: () =>
      (stopped ??= collectorSh(['stop', '--port', port], scriptEnv).then(() =>
        rm(state, { recursive: true, force: true }),
      )),
  };
}

export interface CaptureExport {
  scenario: string;
  request: OtlpRequest;
}

/** Every log and trace export of the captures, in replay order. Metrics are left out: no recipe carries them
 * to proofline. So is the one capture Codex posted to `/` (its endpoint is used verbatim), which a Collector
 * does not serve: `captureAtRoot` returns it. */
export async function captureExports(): Promise<CaptureExport[]> {
  const exports: CaptureExport[] = [];
  for (const scenario of await listScenarios())
    for (const request of (await loadScenario(scenario)).otlp)
      if (request.path === '/v1/logs' || request.path === '/v1/traces') exports.push({ scenario, request });
  return exports;
}

export async function captureAtRoot(): Promise<OtlpRequest> {
  return (await loadScenario('otel_endpoint_verbatim')).otlp.find((r) => r.path === '/')!;
}

/** Posts each export as captured (path, content type, bytes) and fails on the first answer but 200. */
export async function postExports(url: string, exports: readonly CaptureExport[]): Promise<void> {
  for (const { scenario, request } of exports) {
    const result = await postOtlp(request, { url });
    if (result.status !== 200)
      throw new Error(`${scenario} ${request.file} → ${url}: ${result.status} ${result.body}`);
  }
}

/** What a session's bundles say that does not depend on the path the records took (signatures, keys and
 * times do): its actions and how they ended, and which observations its seal covers. */
export interface SessionEvidence {
  session: string;
  observations: { count: number; merkle_root: string };
  actions: { action: string; outcome: string; route: string | null; rho: number }[];
}

export async function sessionEvidence(dataDir: string): Promise<SessionEvidence[]> {
  const files = await readBundles(dataDir);
  const proofs = actionProofs(files);
  return seals(files)
    .map((seal) => ({
      session: seal.session_id,
      observations: seal.observations,
      actions: proofs
        .filter((p) => p.summary.session_id === seal.session_id)
        .map(({ summary }) => ({
          action: summary.action_id,
          outcome: summary.outcome,
          route: summary.route,
          rho: summary.completeness.rho,
        }))
        .sort((a, b) => a.action.localeCompare(b.action)),
    }))
    .sort((a, b) => a.session.localeCompare(b.session));
}

/** The reference: the same exports posted straight to an embedded `proofline serve`, with the same timers. */
export async function referenceEvidence(exports: readonly CaptureExport[]): Promise<SessionEvidence[]> {
  const dataDir = await freshDataDir('proofline-collector-reference-');
  const serve = await startListening(['serve', '--data', dataDir, ...TIMERS]);
  try {
    await postExports(serve.url, exports);
    await waitForSeals([dataDir], CAPTURE_SESSIONS, [serve.proc]);
  } finally {
    await serve.proc.stop();
  }
  return sessionEvidence(dataDir);
}

/** `proofline verify --format json` as a process, trusting the key set the data directory's signer made. */
export async function verifyCli(dataDir: string): Promise<{ exitCode: number | null; report: VerifyReport }> {
  const child = spawn(
    process.execPath,
    [
      PROOFLINE_CLI,
      'verify',
      dataDir,
      '--keys',
      join(dataDir, 'keys', 'public-keys.json'),
      '--format',
      'json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve) => child.once('close', resolve));
  try {
    return { exitCode, report: JSON.parse(stdout) as VerifyReport };
  } catch {
    throw new Error(`proofline verify printed no report (exit ${exitCode}):\n${stderr}`);
  }
}

/** Polls `probe` until it returns a value, failing with `what` (and the processes' logs) at the deadline. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  procs: readonly ProoflineProcess[] = [],
  timeoutMs = 90_000,
): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await delay(200)) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not after ${timeoutMs} ms\n${procs.map((p) => p.log()).join('\n---\n')}`);
  }
}
