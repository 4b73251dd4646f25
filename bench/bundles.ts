// End-to-end bundles/s: whole Codex sessions (hook calls + the log export, made from binary_allow with new
// session ids) through receiver → embedded transport → assembler → signed, durably written bundles and seals;
// beside bare Ed25519 signing of payloads the size of the bundles it wrote. The end-to-end figure is mostly the
// sequential requests (each answered only after its DuckDB commit), so the flush that assembles, signs and
// durably writes every bundle is also shown on its own, beside the same baseline.
import { generateKeyPairSync, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { readRecords } from '../schemas/segment.js';
import { startPipeline } from '../service/embedded.js';
import { loadScenario } from '../service/replay.js';
import { freshDir } from './dirs.js';
import type { BenchRow } from './table.js';
import { CAPTURED_SESSION, encodeProtobuf, logsRequest, sessionId } from './workload.js';

const SESSIONS = 200;

async function post(url: string, contentType: string, body: string | Buffer): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  if (response.status !== 200)
    throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
}

async function bundlePayloadSizes(dataDir: string): Promise<number[]> {
  const sizes: number[] = [];
  for await (const record of readRecords(dataDir))
    sizes.push(Buffer.from(record.envelope.payload, 'base64').length);
  return sizes;
}

function bareSignRate(sizes: readonly number[]): number {
  const { privateKey } = generateKeyPairSync('ed25519');
  const payloads = sizes.map((size) => Buffer.alloc(size, 7));
  const started = performance.now();
  for (const payload of payloads) sign(null, payload, privateKey);
  return payloads.length / ((performance.now() - started) / 1000);
}

export async function benchBundles(): Promise<BenchRow[]> {
  const scenario = await loadScenario('binary_allow');
  const templateLogs = logsRequest(0, 1, 20);
  const pipeline = await startPipeline({ dataDir: await freshDir('bench-bundles-'), ingest: { port: 0 } });
  let elapsed: number;
  let flushSeconds: number;
  try {
    const started = performance.now();
    for (let s = 0; s < SESSIONS; s++) {
      const id = sessionId(s);
      for (const hook of scenario.hooks)
        await post(
          `${pipeline.url}/v1/guard`,
          'application/json',
          `{"hook":${hook.stdin.replaceAll(CAPTURED_SESSION, id)}}`,
        );
      const logs = encodeProtobuf(
        JSON.parse(JSON.stringify(templateLogs).replaceAll(sessionId(0), id), reviveBuffers),
      );
      await post(`${pipeline.url}/v1/logs`, 'application/x-protobuf', logs);
    }
    const flushStarted = performance.now();
    await pipeline.flush();
    const finished = performance.now();
    elapsed = (finished - started) / 1000;
    flushSeconds = (finished - flushStarted) / 1000;
  } finally {
    await pipeline.close();
  }
  const sizes = await bundlePayloadSizes(pipeline.dataDir);
  const rate = sizes.length / elapsed;
  const bare = bareSignRate(sizes);
  const baseline = { name: 'bare Ed25519 signing', value: bare };
  return [
    {
      measure: `end-to-end bundles (${SESSIONS} sessions, action + seal each)`,
      value: rate,
      unit: 'bundles/s',
      baseline,
      goal: '≥ 50% of baseline',
      met: rate >= bare / 2,
    },
    {
      measure: `bundles at flush (assemble, sign, write durably; ${SESSIONS} sessions)`,
      value: sizes.length / flushSeconds,
      unit: 'bundles/s',
      baseline,
    },
  ];
}

function reviveBuffers(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer')
    return Buffer.from((value as { data: number[] }).data);
  return value;
}
