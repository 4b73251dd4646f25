// The `proofline hook` round trip as Codex pays it: a new process per call, stdin in, decision out, against a
// running server; beside the bare start-up of a Node.js process that does nothing.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

import { startPipeline } from '../service/embedded.js';
import { loadScenario, runHookProcess } from '../service/replay.js';
import { freshDir } from './dirs.js';
import { percentile, type BenchRow } from './table.js';

const RUNS = 60;

function bareNodeStartMs(): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

export async function benchHook(): Promise<BenchRow[]> {
  const preToolUse = (await loadScenario('binary_allow')).hooks.find((h) => h.event === 'PreToolUse')!;
  const pipeline = await startPipeline({ dataDir: await freshDir('bench-hook-'), ingest: { port: 0 } });
  const times: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const result = await runHookProcess(preToolUse, { url: pipeline.url, headerFile: '/dev/null' });
      times.push(performance.now() - started);
      if (result.exitCode !== 0) throw new Error(`hook exited ${result.exitCode}: ${result.stderr}`);
    }
  } finally {
    await pipeline.close();
  }
  times.sort((a, b) => a - b);
  const bare = bareNodeStartMs();
  const row = (p: number): BenchRow => ({
    measure: `hook round trip p${p} (PreToolUse, ${RUNS} runs)`,
    value: percentile(times, p),
    unit: 'ms',
    baseline: { name: `bare \`node -e 0\` p${p}`, value: percentile(bare, p) },
    ...(p === 50 ? { goal: 'p50 ≤ 30 ms', met: percentile(times, 50) <= 30 } : {}),
  });
  return [row(50), row(95), row(99)];
}
