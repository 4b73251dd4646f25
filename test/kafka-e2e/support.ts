// Shared by the Kafka end-to-end tests: real `proofline` processes (receivers, assemblers, the Collector-topic
// consumer) spawned from dist/, a real broker per test file, the Codex captures replayed into them, and
// readers for what ends up on the topics and in the data directories.
//
// The CLI does not let a deployment choose its topic names (nor the Collector consumer's group), so tests
// cannot share a broker by namespacing topics: every file starts a broker of its own, even when
// PROOFLINE_KAFKA_BROKERS points at a shared one.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { afterAll, beforeAll, expect } from 'vitest';

import { keygen } from '../../assembler/keygen.js';
import { demoPolicyFile } from '../../service/demo-policies.js';
import { startPipeline } from '../../service/embedded.js';
import { listScenarios, loadScenario, replayScenario, type Scenario } from '../../service/replay.js';
import { normalizeOtlpRequest } from '../../ingest/normalize/otlp-request.js';
import { decodeOtlp } from '../../ingest/otlp/decode.js';
import { loadGuard } from '../../policy/load.js';
import type { SessionSeal } from '../../schemas/bundle.js';
import { canonicalDigest } from '../../schemas/digest.js';
import { merkleRoot } from '../../schemas/merkle.js';
import type { Observation } from '../../schemas/observation.js';
import { SEGMENTS_DIR } from '../../schemas/segment.js';
import { DEFAULT_TOPICS } from '../../schemas/topics.js';
import { runVerify, type VerifyReport } from '../../verifier/verify-command.js';
import {
  captureOutput,
  FIXTURE_ACTIONS,
  FIXTURE_SESSIONS,
  freshDataDir,
  readBundles,
  type BundleFile,
} from '../e2e/support.js';
import { freePort, startTestBroker, type TestBroker } from '../kafka/broker.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export { FIXTURE_ACTIONS, FIXTURE_SESSIONS };

/** Short timers so sessions seal within seconds of their last record. Codex exports its OTLP after the
 * SessionEnd hook, so a capture's last records follow its SessionEnd: the settle time must cover that gap on a
 * loaded CI machine (through an outage's retries, or a topic salted with poison), or an action's records
 * arrive after its session was sealed and it goes unbundled. */
const SETTLE_MS = 3000;
const IDLE_TIMEOUT_MS = 6000;

async function startBroker(): Promise<TestBroker> {
  if (!existsSync(CLI))
    throw new Error('build first: npx tsc -p tsconfig.json && node scripts/copy-assets.mjs');
  return startTestBroker(true);
}

/** One real broker per test file, started before its tests and disposed after them together with every
 * proofline process they spawned. The returned handle forwards to the broker once it is up (a test file's
 * body runs before its beforeAll hooks, so the broker cannot be returned directly). */
export function useBroker(): TestBroker {
  let broker: TestBroker | undefined;
  beforeAll(async () => {
    broker = await startBroker();
  }, 120_000);
  afterAll(async () => {
    await killAll();
    await broker?.dispose();
  });
  return new Proxy({} as TestBroker, {
    get(_target, key) {
      if (!broker) throw new Error('the test broker is not started yet');
      const value: unknown = Reflect.get(broker, key);
      return typeof value === 'function' ? value.bind(broker) : value;
    },
  });
}

export interface ProoflineProcess {
  child: ChildProcess;
  /** The tail of its stderr, for failure messages. */
  log(): string;
  exited: Promise<number | null>;
  /** SIGTERM and wait (a clean shutdown). */
  stop(): Promise<void>;
  /** SIGKILL and wait: no shutdown code runs. */
  kill9(): Promise<void>;
}

const running = new Set<ProoflineProcess>();

export function spawnProofline(args: string[]): ProoflineProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PROOFLINE_LOG_LEVEL: 'warn' },
  });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const signal = async (name: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  const proc: ProoflineProcess = {
    child,
    log: () => log,
    exited,
    stop: () => signal('SIGTERM'),
    kill9: () => signal('SIGKILL'),
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** For afterAll: whatever a failed test left running. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.kill9()));
}

export interface Receiver {
  url: string;
  proc: ProoflineProcess;
}

/** `proofline ingest --kafka` on a free port, once it answers /healthz. */
export async function startReceiver(brokers: string, policyFile?: string): Promise<Receiver> {
  return startListening(['ingest', '--kafka', brokers, ...(policyFile ? ['--policy', policyFile] : [])]);
}

/** A `proofline` command that serves HTTP (`ingest`, `serve`) with `args`, on a free port, once it answers
 * /healthz. */
export async function startListening(args: readonly string[]): Promise<Receiver> {
  const port = await freePort();
  const proc = spawnProofline([...args, '--port', String(port)]);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (proc.child.exitCode !== null) break;
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, proc };
    await delay(50);
  }
  throw new Error(`receiver on ${url} did not start:\n${proc.log()}`);
}

/** `proofline assemble --kafka`; `idleTimeoutMs` longer than the default for tests whose senders pause. */
export function startAssembler(
  brokers: string,
  group: string,
  dataDir: string,
  idleTimeoutMs = IDLE_TIMEOUT_MS,
): ProoflineProcess {
  return spawnProofline([
    'assemble',
    ...['--kafka', brokers, '--group', group, '--data', dataDir],
    ...['--settle-ms', String(SETTLE_MS), '--idle-timeout-ms', String(idleTimeoutMs)],
  ]);
}

/** One receiver per policy the captures need (receivers scale out; each is started with its rule file),
 * so a scenario goes to the receiver whose policy reproduces what its own hook answered. */
export async function startReceiversByPolicy(brokers: string): Promise<{
  urlFor(scenario: { hookMode: string }): string;
  receivers: Receiver[];
}> {
  const scenarios = await Promise.all((await listScenarios()).map((name) => loadScenario(name)));
  const policies = [...new Set(scenarios.map((s) => demoPolicyFile(s.hookMode)))];
  const receivers = await Promise.all(policies.map((policy) => startReceiver(brokers, policy)));
  const byPolicy = new Map(policies.map((policy, i) => [policy, receivers[i]!.url]));
  return { urlFor: (scenario) => byPolicy.get(demoPolicyFile(scenario.hookMode))!, receivers };
}

/** Every capture in name order, each to the URL chosen for it; fails loudly on any hook or OTLP error. */
export async function replayFixtures(
  urlFor: (scenario: Scenario) => string,
  before?: (scenario: Scenario) => void,
): Promise<void> {
  for (const name of await listScenarios()) {
    const scenario = await loadScenario(name);
    before?.(scenario);
    const result = await replayScenario(scenario, { url: urlFor(scenario) });
    const failed = [
      ...result.hooks.filter((h) => h.exitCode !== 0),
      ...result.otlp.filter((o) => o.status !== 200),
    ];
    if (failed.length > 0) throw new Error(`replay of ${name} failed: ${JSON.stringify(failed, null, 1)}`);
  }
}

/** The same captures, order and policies through the embedded pipeline in-process: the reference. Sealed
 * by the same settle and idle timers as the assemblers (not by flush(), which would record 'flush' rather
 * than 'session_end' or 'idle_timeout' as each seal's reason). */
export async function embeddedBundles(keyDir: string): Promise<{ dataDir: string; files: BundleFile[] }> {
  const dataDir = await dataDirWithKeys(keyDir);
  const pipeline = await startPipeline({
    dataDir,
    ingest: { port: 0 },
    assembler: { settleMs: SETTLE_MS, idleTimeoutMs: IDLE_TIMEOUT_MS },
  });
  try {
    await replayFixtures(
      () => pipeline.url,
      (scenario) => pipeline.setGuard(loadGuard(demoPolicyFile(scenario.hookMode))),
    );
    return { dataDir, files: await waitForSeals([dataDir], FIXTURE_SESSIONS, []) };
  } finally {
    await pipeline.close();
  }
}

/** A signing key made once, to be copied into data directories that must sign alike. */
export async function signingKeys(): Promise<{ keyDir: string; publicKeys: string }> {
  const made = await keygen(join(await freshDataDir('proofline-kafka-keys-'), 'keys'));
  return { keyDir: join(made.privateKeyPath, '..'), publicKeys: made.publicKeySetPath };
}

export async function dataDirWithKeys(keyDir: string): Promise<string> {
  const dataDir = await freshDataDir('proofline-kafka-e2e-');
  await cp(keyDir, join(dataDir, 'keys'), { recursive: true });
  return dataDir;
}

export function isSeal(file: BundleFile): boolean {
  return file.kind === 'seal';
}

/** Bundles of several data directories (say, two assemblers'), read together. */
export async function bundlesIn(dataDirs: readonly string[]): Promise<BundleFile[]> {
  const all = await Promise.all(
    dataDirs.map((dir) => (existsSync(join(dir, SEGMENTS_DIR)) ? readBundles(dir) : Promise.resolve([]))),
  );
  return all.flat();
}

/** Polls until the directories hold `seals` seals in total, then waits out one more settle period so that a
 * duplicate that would follow has the time to appear. Fails at once if one of `procs` exits. */
export async function waitForSeals(
  dataDirs: readonly string[],
  seals: number,
  procs: readonly ProoflineProcess[],
  timeoutMs = 90_000,
): Promise<BundleFile[]> {
  const deadline = Date.now() + timeoutMs;
  const count = async () => (await bundlesIn(dataDirs)).filter(isSeal).length;
  const logs = () => procs.map((p) => p.log()).join('\n---\n');
  while ((await count()) < seals) {
    const exited = procs.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (exited)
      throw new Error(`proofline ${exited.child.spawnargs.slice(2, 3).join(' ')} exited; logs:\n${logs()}`);
    if (Date.now() > deadline)
      throw new Error(`only ${await count()} of ${seals} sessions sealed; logs:\n${logs()}`);
    await delay(200);
  }
  await delay(SETTLE_MS + 500);
  return bundlesIn(dataDirs);
}

/** `proofline verify` (the command's own code) over the paths, as JSON. */
export async function verify(
  paths: string[],
  keys?: string,
  checkpoint?: string[],
): Promise<{ exitCode: number; report: VerifyReport }> {
  const output = captureOutput();
  const exitCode = await runVerify(
    { paths, keys, checkpoint, minCompleteness: 0, format: 'json' },
    output.out,
  );
  return { exitCode, report: JSON.parse(output.stdout()) as VerifyReport };
}

/** The checks that did not pass, for a readable assertion message. */
export function failures(report: VerifyReport): string[] {
  return report.checks
    .filter((c) => c.status !== 'pass')
    .map((c) => `${c.subject} ${c.check_name} ${c.status}: ${c.detail}`);
}

export interface TopicRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export function kafkaClient(brokers: string): Kafka {
  return new Kafka({ clientId: 'proofline-test', brokers: [brokers], logLevel: logLevel.NOTHING });
}

/** Everything on a topic up to its current end, read by a throwaway consumer group. */
export async function readTopic(brokers: string, topic: string, timeoutMs = 30_000): Promise<TopicRecord[]> {
  const kafka = kafkaClient(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const pending = new Map(
    ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]),
  );
  if (pending.size === 0) return [];
  const records: TopicRecord[] = [];
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          records.push({
            partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? null,
            value: message.value,
            headers: headerStrings(message.headers),
          });
          if (BigInt(message.offset) + 1n >= (pending.get(partition) ?? 0n)) pending.delete(partition);
          if (pending.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

/** Waits until the group is stable with `members` members that each own partitions. */
export async function waitForGroup(
  brokers: string,
  group: string,
  members: number,
  timeoutMs = 60_000,
): Promise<void> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [described] = (await admin.describeGroups([group])).groups;
      const assigned = described?.members.filter((m) => m.memberAssignment.length > 0).length ?? 0;
      if (described?.state === 'Stable' && described.members.length === members && assigned === members)
        return;
      if (Date.now() > deadline)
        throw new Error(`group ${group} not stable with ${members} members: ${JSON.stringify(described)}`);
      await delay(200);
    }
  } finally {
    await admin.disconnect();
  }
}

export interface FixtureRequest {
  label: string;
  scenario: string;
  /** The capture's hook mode, which picks the receiver (policy) it goes to. */
  hookMode: string;
  path: string;
  contentType: string;
  body: Buffer;
}

/** Every capture as plain HTTP requests in replay order: each hook call as `proofline hook` would post it to
 * /v1/guard, then the OTLP exports. Cheaper than a hook process per call, for tests about the transport. */
export async function fixtureRequests(): Promise<FixtureRequest[]> {
  const requests: FixtureRequest[] = [];
  for (const name of await listScenarios()) {
    const scenario = await loadScenario(name);
    for (const hook of scenario.hooks)
      requests.push({
        label: `${name} ${hook.event}`,
        scenario: name,
        hookMode: scenario.hookMode,
        path: '/v1/guard',
        contentType: 'application/json',
        body: Buffer.from(`{"hook":${hook.stdin}}`),
      });
    for (const otlp of scenario.otlp)
      requests.push({
        label: `${name} ${otlp.file}`,
        scenario: name,
        hookMode: scenario.hookMode,
        path: otlp.path,
        contentType: otlp.contentType,
        body: otlp.body,
      });
  }
  return requests;
}

/** Posts one request; the status and Retry-After header, or status 0 when the connection failed. */
export async function post(
  url: string,
  request: FixtureRequest,
): Promise<{ status: number; retryAfter: string | null }> {
  try {
    const response = await fetch(new URL(request.path, url), {
      method: 'POST',
      headers: { 'content-type': request.contentType },
      body: request.body,
    });
    await response.arrayBuffer();
    return { status: response.status, retryAfter: response.headers.get('retry-after') };
  } catch {
    return { status: 0, retryAfter: null };
  }
}

/** Posts them in order, each to the receiver for its policy, and fails on the first non-200. */
export async function postAll(
  urlFor: (request: FixtureRequest) => string,
  requests: readonly FixtureRequest[],
): Promise<void> {
  for (const request of requests) {
    const { status } = await post(urlFor(request), request);
    if (status !== 200) throw new Error(`${request.label}: ${status}`);
  }
}

/** Fails unless what a request carried is on the topic. OTLP: every observation the receiver's own normalizer
 * makes of the bytes, by id. A hook call: an observation whose raw digest is the call's payload digest (its
 * other observations depend on the guard's state, which only the receiver has). */
export function expectOnTopic(request: FixtureRequest, onTopic: ReadonlyMap<string, Observation>): void {
  if (request.path === '/v1/guard') {
    const { hook } = JSON.parse(request.body.toString('utf8')) as { hook: { session_id: string } };
    const digest = canonicalDigest(hook);
    const found = [...onTopic.values()].some(
      (o) => o.raw_digest === digest && o.session_id === hook.session_id,
    );
    expect(found, `${request.label}: no observation of this hook call`).toBe(true);
    return;
  }
  const encoding = request.contentType.includes('json') ? 'json' : 'protobuf';
  const { observations } = normalizeOtlpRequest(decodeOtlp(request.body, encoding), {
    storeContent: false,
    observedUnixNano: '0',
  });
  for (const observation of observations)
    expect(onTopic.has(observation.id), `${request.label}: ${observation.name} missing`).toBe(true);
}

/** The distinct observations on proofline.observations, by id. */
export async function observationsOnTopic(brokers: string): Promise<Map<string, Observation>> {
  const records = await readTopic(brokers, DEFAULT_TOPICS.observations);
  return new Map(
    records.map((r) => {
      const observation = JSON.parse(r.value!.toString('utf8')) as Observation;
      return [observation.id, observation];
    }),
  );
}

/** Each seal covers exactly the observations of its session on the topic: count and Merkle root over ids. */
export function expectSealsCover(
  files: readonly BundleFile[],
  observations: ReadonlyMap<string, Observation>,
): void {
  const sealed = files.filter(isSeal).map((f) => f.statement.predicate as SessionSeal);
  const sessions = new Set([...observations.values()].map((o) => o.session_id));
  expect(sealed.map((s) => s.session_id).sort()).toEqual([...sessions].sort());
  for (const seal of sealed) {
    const ids = [...observations.values()].filter((o) => o.session_id === seal.session_id).map((o) => o.id);
    expect(seal.observations.count, seal.session_id).toBe(ids.length);
    expect(seal.observations.merkle_root, seal.session_id).toBe(merkleRoot(ids.sort()));
  }
}

/** Records on the observations topic past the group's committed offsets: what a restart delivers again. */
export async function uncommittedRecords(brokers: string, group: string): Promise<bigint> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const topic = DEFAULT_TOPICS.observations;
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    let behind = 0n;
    for (const end of ends) {
      const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      behind += BigInt(end.high) - (at === '-1' ? BigInt(end.low) : BigInt(at));
    }
    return behind;
  } finally {
    await admin.disconnect();
  }
}
