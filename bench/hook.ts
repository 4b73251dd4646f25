// The hook round trip as Codex pays it: a new bin/proofline-hook process per call (sh + curl), stdin in,
// decision out, against a running embedded pipeline; beside a bare `curl` POST of the same body to the same
// route, alternated with it in the same run, so the difference is what the client itself costs.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

import { startPipeline } from '../service/embedded.js';
import { runHookClient, withHookHeaders } from '../service/hook-client.js';
import { loadScenario } from '../service/replay.js';
import { freshDir } from './dirs.js';
import { percentile, type BenchRow } from './table.js';

const RUNS = 60;

function bareCurl(url: string, stdin: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'curl',
      [
        '-q',
        '--silent',
        '-H',
        'content-type: application/json',
        '--data-binary',
        '@-',
        '-o',
        '/dev/null',
        url,
      ],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    child.on('error', reject);
    child.on('close', resolve);
    child.stdin.end(stdin);
  });
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

export async function benchHook(): Promise<BenchRow[]> {
  const preToolUse = (await loadScenario('binary_allow')).hooks.find((h) => h.event === 'PreToolUse')!;
  const pipeline = await startPipeline({ dataDir: await freshDir('bench-hook-'), ingest: { port: 0 } });
  const client: number[] = [];
  const curl: number[] = [];
  try {
    await withHookHeaders(undefined, async (headerFile) => {
      const hook = () =>
        runHookClient({ event: 'PreToolUse', url: pipeline.url, headerFile, stdin: preToolUse.stdin }).then(
          (result) => {
            if (result.exitCode !== 0 || result.stdout !== '')
              throw new Error(`hook answered ${result.exitCode} ${result.stdout} ${result.stderr}`);
          },
        );
      const bare = () => bareCurl(`${pipeline.url}/v1/hook/PreToolUse`, preToolUse.stdin);
      await hook(); // warm the server's first decision and the page cache
      await bare();
      for (let i = 0; i < RUNS; i++) {
        client.push(await timed(hook));
        curl.push(await timed(bare));
      }
    });
  } finally {
    await pipeline.close();
  }
  client.sort((a, b) => a - b);
  curl.sort((a, b) => a - b);
  const row = (p: number): BenchRow => ({
    measure: `hook client round trip p${p} (bin/proofline-hook, PreToolUse, ${RUNS} runs)`,
    value: percentile(client, p),
    unit: 'ms',
    baseline: { name: `bare curl POST of the same body, p${p}`, value: percentile(curl, p) },
    ...(p === 50
      ? { goal: 'p50 ≤ 1.5× bare curl', met: percentile(client, 50) <= 1.5 * percentile(curl, 50) }
      : {}),
  });
  return [row(50), row(95), row(99)];
}
