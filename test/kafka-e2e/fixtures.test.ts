// The real Codex captures through the split Kafka deployment — `proofline ingest --kafka` receivers (one per
// policy, as a load balancer would spread them) and a `proofline assemble --kafka` process — must give the
// same bundles, byte for byte under one signing key, as the embedded pipeline. Then an independent Kafka
// client (kcat) reads proofline.bundles and the verifier accepts what it read.
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { beforeAll, describe, expect, it } from 'vitest';

import { BUNDLE_FILE_HEADER } from '../../transport/kafka-bundles.js';
import { ORIGIN_FILE, TLOG_DIR } from '../../schemas/tlog.js';
import { DEFAULT_TOPICS } from '../../schemas/topics.js';
import { actionProofs, freshDataDir, placeOf, type BundleFile } from '../e2e/support.js';
import {
  dataDirWithKeys,
  embeddedBundles,
  failures,
  FIXTURE_ACTIONS,
  FIXTURE_SESSIONS,
  isSeal,
  replayFixtures,
  signingKeys,
  startAssembler,
  useBroker,
  startReceiversByPolicy,
  verify,
  waitForSeals,
} from './support.js';

const run = promisify(execFile);

const broker = useBroker();
let keys: Awaited<ReturnType<typeof signingKeys>>;
let kafkaDir: string;
let viaKafka: BundleFile[];
let reference: { dataDir: string; files: BundleFile[] };

beforeAll(async () => {
  keys = await signingKeys();
  kafkaDir = await dataDirWithKeys(keys.keyDir);
  const assembler = startAssembler(broker.bootstrap, 'fixtures', kafkaDir);
  const { urlFor, receivers } = await startReceiversByPolicy(broker.bootstrap);
  await replayFixtures(urlFor);
  // The embedded reference replays while the Kafka assembler waits out its settle and idle timers.
  [reference, viaKafka] = await Promise.all([
    embeddedBundles(keys.keyDir),
    waitForSeals([kafkaDir], FIXTURE_SESSIONS, [assembler, ...receivers.map((r) => r.proc)]),
  ]);
}, 240_000);

/** Bundles by the place an export gives them, so two directories compare file for file. */
function byPlace(files: readonly BundleFile[]): Map<string, string> {
  return new Map(
    [...files].sort((a, b) => (placeOf(a) < placeOf(b) ? -1 : 1)).map((f) => [placeOf(f), f.text]),
  );
}

describe('the Codex captures through ingest --kafka and assemble --kafka', () => {
  it('bundle every session and action, as the embedded pipeline does', () => {
    expect(reference.files.filter(isSeal)).toHaveLength(FIXTURE_SESSIONS);
    expect(reference.files.filter((f) => !isSeal(f))).toHaveLength(FIXTURE_ACTIONS);
    expect(viaKafka.filter(isSeal)).toHaveLength(FIXTURE_SESSIONS);
    expect(viaKafka.filter((f) => !isSeal(f))).toHaveLength(FIXTURE_ACTIONS);
  });

  it('give the same manifest for every action', () => {
    const manifests = (files: readonly BundleFile[]) =>
      new Map(actionProofs(files).map((p) => [`${p.summary.session_id} ${p.summary.action_id}`, p.manifest]));
    const embedded = manifests(reference.files);
    const kafka = manifests(viaKafka);
    expect([...kafka.keys()].sort()).toEqual([...embedded.keys()].sort());
    for (const [action, manifest] of embedded) expect(kafka.get(action), action).toEqual(manifest);
  });

  it('write byte-identical bundle files and seals under the same key', () => {
    const kafka = byPlace(viaKafka);
    const embedded = byPlace(reference.files);
    expect([...kafka.keys()]).toEqual([...embedded.keys()]);
    for (const [place, text] of embedded) expect(kafka.get(place), place).toBe(text);
  });

  it('verify with the trusted key set', async () => {
    const { exitCode, report } = await verify([kafkaDir], keys.publicKeys);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
  });

  it('are read from proofline.bundles by kcat, and what kcat read verifies', async () => {
    const { stdout } = await run(
      'kcat',
      ['-b', broker.bootstrap, '-C', '-t', DEFAULT_TOPICS.bundles, '-e', '-q', '-J'],
      { maxBuffer: 256 * 1024 * 1024 },
    );
    const records = stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { key: string; payload: string; headers?: string[] });
    const outDir = await freshDataDir('proofline-kcat-');
    const written = new Set<string>();
    for (const record of records) {
      const fileName = headerValue(record.headers ?? [], BUNDLE_FILE_HEADER);
      const dir = join(outDir, 'bundles', record.key);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, fileName), record.payload);
      written.add(join(record.key, fileName));
    }
    // Every bundle the assembler wrote, each once, is on the topic.
    expect(records).toHaveLength(viaKafka.length);
    expect([...written].sort()).toEqual(viaKafka.map(placeOf).sort());

    // The log's checkpoints are on proofline.checkpoints (a witness outside the data directory): with the
    // assembler's log beside the bundles, the newest one read there must be a checkpoint of that log.
    const checkpoints = (
      await run('kcat', ['-b', broker.bootstrap, '-C', '-t', DEFAULT_TOPICS.checkpoints, '-e', '-q', '-J'])
    ).stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { key: string; payload: string });
    // Keyed by the log's origin: other logs may share the topic.
    const origin = (await readFile(join(kafkaDir, TLOG_DIR, ORIGIN_FILE), 'utf8')).trim();
    const ours = checkpoints.filter((c) => c.key === origin);
    expect(ours.length).toBeGreaterThan(0);
    const published = join(await freshDataDir('proofline-kcat-checkpoint-'), 'checkpoint');
    await writeFile(published, ours.at(-1)!.payload);
    await cp(join(kafkaDir, TLOG_DIR), join(outDir, TLOG_DIR), { recursive: true });

    const { exitCode, report } = await verify([outDir], keys.publicKeys, [published]);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(new Set(report.checks.map((c) => c.session_id).filter(Boolean)).size).toBe(FIXTURE_SESSIONS);
    expect(report.checks.filter((c) => c.check_name === 'log_inclusion')).toHaveLength(FIXTURE_SESSIONS);
  });
});

/** kcat -J lists headers as a flat [name, value, name, value, …] array. */
function headerValue(headers: readonly string[], name: string): string {
  const at = headers.findIndex((entry, i) => i % 2 === 0 && entry === name);
  if (at < 0) throw new Error(`no ${name} header in ${JSON.stringify(headers)}`);
  return headers[at + 1]!;
}
