// No single record can stop the pipeline: 10,000 mutated real Codex OTLP requests against a running
// `proofline serve`, every answer one the OTLP spec allows, then a clean real session replayed afterwards is
// bundled, sealed, and — with every session the fuzz did get accepted — verifies. The seed is printed;
// PROOFLINE_FUZZ_SEED reproduces a run, PROOFLINE_FUZZ_RUNS sizes it (`npm run fuzz` runs 100,000).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { setTimeout as delay } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fuzzPipeline, type FuzzTally } from '../../harness/fuzz/pipeline-fuzz.js';
import { startServe, type ServeProcess } from '../../harness/codex/proofline-serve.js';
import { loadScenario, replayScenario } from '../../service/replay.js';
import { runVerify } from '../../verifier/verify-command.js';
import { captureOutput, readBundles, seals } from './support.js';

const RUNS = Number(process.env.PROOFLINE_FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.PROOFLINE_FUZZ_SEED ?? Date.now() % 2 ** 31);
const CLEAN_SESSION = '01a1fc63-1dbb-75c3-a7f6-f2523a92b240';

/** The unlabelled samples of GET /metrics. */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+) (\S+)$/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

describe(`the pipeline under ${RUNS} mutated requests (seed ${SEED})`, () => {
  let serve: ServeProcess;
  let dataDir: string;
  let tally: FuzzTally;

  beforeAll(
    async () => {
      dataDir = join(await mkdtemp(join(tmpdir(), 'proofline-fuzz-')), 'data');
      serve = await startServe({ dataDir, settleMs: 200, idleTimeoutMs: 1500 });
      console.log(`pipeline fuzz: seed ${SEED}, ${RUNS} runs (PROOFLINE_FUZZ_SEED=${SEED} reproduces it)`);
      tally = await fuzzPipeline(serve.url, { runs: RUNS, seed: SEED });
      console.log(`pipeline fuzz: ${JSON.stringify(tally.byStatus)}`);
    },
    Math.max(600_000, RUNS * 60),
  );
  afterAll(async () => serve?.stop());

  it('answers every request as OTLP allows: 200 (full or partial), 400, 413 or 415; never 5xx, never no answer', () => {
    expect(tally.requests).toBe(RUNS);
    expect(tally.failures).toEqual([]);
  });

  it('bundles and seals a clean session sent afterwards, and everything it bundled verifies', async () => {
    const replayed = await replayScenario(await loadScenario('binary_allow'), { url: serve.url });
    expect(replayed.otlp.every((o) => o.status === 200)).toBe(true);
    // Every session the fuzz got accepted seals once idle; none may have been set aside as unprocessable.
    let metrics = new Map<string, number>();
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await delay(200)) {
      metrics = await scrape(serve.url);
      if (metrics.get('proofline_sessions_open') === 0) break;
    }
    expect(metrics.get('proofline_sessions_open')).toBe(0);
    expect(metrics.get('proofline_assembler_quarantined_total')).toBe(0);
    const figures = ['dead_lettered', 'late', 'duplicates', 'quarantined'].map(
      (key) => `${key} ${metrics.get(`proofline_assembler_${key}_total`)}`,
    );
    console.log(
      `pipeline fuzz: assembler ${figures.join(', ')}; seals ${seals(await readBundles(dataDir)).length}`,
    );
    expect(seals(await readBundles(dataDir)).map((s) => s.session_id)).toContain(CLEAN_SESSION);
    expect(await serve.stop()).toBe(0);
    const out = captureOutput();
    const exit = await runVerify({ paths: [dataDir], format: 'text', minCompleteness: 0 }, out.out);
    expect(exit, out.stdout()).toBe(0);
  }, 120_000);
});
