// `proofline verify` throughput: the bundles and seals of whole sessions (bench/sessions.ts) verified by the
// verifier's public command, in this process and as a fresh CLI process (start-up included), beside bare
// Ed25519 verification of the same envelopes; at 200 sessions (400 envelopes) and at 5,000 (10,000), where
// fixed costs no longer hide the per-bundle ones. And the completeness query alone over 1M synthetic actions,
// the size a long-lived deployment's export reaches.
import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

import type { DsseEnvelope } from '../schemas/bundle.js';
import { preAuthEncoding } from '../schemas/dsse.js';
import { startPipeline } from '../service/embedded.js';
import { completenessReport } from '../verifier/completeness.js';
import { Database } from '../verifier/database.js';
import { createTables } from '../verifier/tables.js';
import { runVerify } from '../verifier/verify-command.js';
import { freshDir } from './dirs.js';
import { envelopesIn, sendSessions } from './sessions.js';
import type { BenchRow } from './table.js';

/** Sessions per run: each makes one action bundle and one seal. `PROOFLINE_BENCH_VERIFY_SESSIONS` (comma
 * separated) overrides them. */
const SESSIONS = (process.env.PROOFLINE_BENCH_VERIFY_SESSIONS ?? '200,5000').split(',').map(Number);
const SYNTHETIC_ACTIONS = 1_000_000;
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const run = promisify(execFile);

const silent = { stdout: { write: () => true }, stderr: { write: () => true } };

/** Bare Ed25519 verification of the same payloads' PAE, with a key of our own (same size, same algorithm). */
function bareVerifyRate(payloads: readonly Buffer[]): number {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = createPublicKey(privateKey);
  const signed = payloads.map((payload) => ({ payload, sig: sign(null, payload, privateKey) }));
  const started = performance.now();
  for (let round = 0; round < 5; round++)
    for (const { payload, sig } of signed)
      if (!verify(null, payload, publicKey, sig)) throw new Error('bench: bare verify failed');
  return (5 * signed.length) / ((performance.now() - started) / 1000);
}

/** The completeness figures over `actions` synthetic actions, four receipts present of five expected each. */
async function completenessSeconds(actions: number): Promise<number> {
  const db = await Database.open();
  try {
    await createTables(db);
    await db.run(`INSERT INTO bundles (file, session_id, action_id, runtime_family, outcome, route, rho_claimed, record)
      SELECT 'f' || i, 's' || (i // 5), 'a' || i, 'tool_hook', 'succeeded', 'allow', 0.8, i + 1 FROM range(${actions}) t(i)`);
    await db.run(`INSERT INTO receipts (file, session_id, action_id, checkpoint, status, record)
      SELECT b.file, b.session_id, b.action_id, c.checkpoint, 'present', b.record
      FROM bundles b, (VALUES ('admissibility'), ('open'), ('assumption'), ('closure')) c(checkpoint)`);
    const started = performance.now();
    const report = await completenessReport(db);
    const seconds = (performance.now() - started) / 1000;
    if (report.overall.actions !== actions) throw new Error('bench: completeness counted the wrong actions');
    return seconds;
  } finally {
    db.close();
  }
}

/** Seconds to verify `dataDir` in this process and as a `proofline verify` process, and what it holds. */
async function measure(
  dataDir: string,
): Promise<{ envelopes: DsseEnvelope[]; inProcess: number; withStart: number }> {
  const envelopes = await envelopesIn(dataDir);
  let started = performance.now();
  const exit = await runVerify({ paths: [dataDir], format: 'json', minCompleteness: 0 }, silent);
  const inProcess = (performance.now() - started) / 1000;
  if (exit !== 0) throw new Error(`bench: verify exited ${exit}`);
  started = performance.now();
  await run(process.execPath, [CLI, 'verify', dataDir, '--format', 'json'], { maxBuffer: 1 << 30 });
  return { envelopes, inProcess, withStart: (performance.now() - started) / 1000 };
}

/** Verify throughput over a data directory of `sessions` whole sessions. */
async function verifyRows(sessions: number): Promise<BenchRow[]> {
  const pipeline = await startPipeline({ dataDir: await freshDir('bench-verify-'), ingest: { port: 0 } });
  try {
    await sendSessions(pipeline.url, sessions, 32);
    await pipeline.flush();
  } finally {
    await pipeline.close();
  }
  const { dataDir } = pipeline;
  // 5,000 sessions leave ~200 MB behind: the directory goes once measured.
  const { envelopes, inProcess, withStart } = await measure(dataDir).finally(() =>
    rm(dataDir, { recursive: true, force: true }),
  );
  const bare = bareVerifyRate(
    envelopes.map((e) => preAuthEncoding(e.payloadType, Buffer.from(e.payload, 'base64'))),
  );
  const baseline = { name: 'bare Ed25519 verify', value: bare };
  const count = envelopes.length.toLocaleString('en');
  return [
    {
      measure: `verify (${count} bundles and seals, in process)`,
      value: envelopes.length / inProcess,
      unit: 'bundles/s',
      baseline,
      goal: '≥ 50% of baseline',
      met: envelopes.length / inProcess >= bare / 2,
    },
    {
      measure: `verify (${count} bundles and seals, \`proofline verify\` process, start-up included)`,
      value: envelopes.length / withStart,
      unit: 'bundles/s',
      baseline,
    },
  ];
}

export async function benchVerify(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const sessions of SESSIONS) rows.push(...(await verifyRows(sessions)));
  const completeness = await completenessSeconds(SYNTHETIC_ACTIONS);
  return [
    ...rows,
    {
      measure: `completeness query over ${SYNTHETIC_ACTIONS.toLocaleString('en')} synthetic actions`,
      value: completeness,
      unit: 's',
      goal: '< 2 s',
      met: completeness < 2,
    },
  ];
}
