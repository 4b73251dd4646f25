// End-to-end bundles/s: whole Codex sessions (hook calls + the log export, made from binary_allow with new
// session ids) through receiver → embedded transport → assembler → signed, durably written bundles and seals;
// beside bare Ed25519 signing of payloads the size of the bundles it wrote. Sessions run `CONCURRENCY` at a
// time, as agents share a server: each hook call is answered only after its records are durable, and
// concurrent calls share a commit (group commit). The flush that assembles, signs and durably writes every
// bundle is also shown on its own, beside the same baseline.
import { generateKeyPairSync, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { startPipeline } from '../service/embedded.js';
import { freshDir } from './dirs.js';
import { envelopesIn, sendSessions } from './sessions.js';
import type { BenchRow } from './table.js';

const SESSIONS = 200;
const CONCURRENCY = 32;

function bareSignRate(sizes: readonly number[]): number {
  const { privateKey } = generateKeyPairSync('ed25519');
  const payloads = sizes.map((size) => Buffer.alloc(size, 7));
  const started = performance.now();
  for (let round = 0; round < 5; round++) for (const payload of payloads) sign(null, payload, privateKey);
  return (5 * payloads.length) / ((performance.now() - started) / 1000);
}

export async function benchBundles(): Promise<BenchRow[]> {
  const pipeline = await startPipeline({ dataDir: await freshDir('bench-bundles-'), ingest: { port: 0 } });
  let elapsed: number;
  let flushSeconds: number;
  try {
    const started = performance.now();
    await sendSessions(pipeline.url, SESSIONS, CONCURRENCY);
    const flushStarted = performance.now();
    await pipeline.flush();
    const finished = performance.now();
    elapsed = (finished - started) / 1000;
    flushSeconds = (finished - flushStarted) / 1000;
  } finally {
    await pipeline.close();
  }
  const sizes = (await envelopesIn(pipeline.dataDir)).map((e) => Buffer.from(e.payload, 'base64').length);
  const rate = sizes.length / elapsed;
  const bare = bareSignRate(sizes);
  const baseline = { name: 'bare Ed25519 signing', value: bare };
  return [
    {
      measure: `end-to-end bundles (${SESSIONS} sessions, ${CONCURRENCY} at a time, action + seal each)`,
      value: rate,
      unit: 'bundles/s',
      baseline,
      goal: '≥ 25% of baseline',
      met: rate >= bare / 4,
    },
    {
      measure: `bundles at flush (assemble, sign, write durably; ${SESSIONS} sessions)`,
      value: sizes.length / flushSeconds,
      unit: 'bundles/s',
      baseline,
    },
  ];
}
