// Peak resident memory of a real `proofline serve` process while it ingests 1M log records over 20,000 sessions
// that never end, read from the kernel (VmHWM) at the end; beside the peak of the same server idle after start-up.
// PROOFLINE_BENCH_RSS_RECORDS and PROOFLINE_BENCH_RSS_SESSIONS scale it down (or compare open-session counts at
// the same record count); the JS heap at the end is read from /metrics, to tell it from native memory.
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

import { freshDir } from './dirs.js';
import { benchSpilledSessionHeap } from './spill.js';
import type { BenchRow } from './table.js';
import { encodeProtobuf, logsRequest } from './workload.js';

const TOTAL_RECORDS = Number(process.env.PROOFLINE_BENCH_RSS_RECORDS ?? 1_000_000);
const TOTAL_SESSIONS = Number(process.env.PROOFLINE_BENCH_RSS_SESSIONS ?? 20_000);
const RECORDS_PER_REQUEST = 5_000;
const PORT = 4399;
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

/** A gauge of the server's /metrics, in MiB. */
async function metricMiB(url: string, name: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const bytes = Number(new RegExp(`^proofline_process_${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  return bytes / 2 ** 20;
}

export async function benchServeRss(): Promise<BenchRow[]> {
  return [...(await serveRss()), await benchSpilledSessionHeap()];
}

async function serveRss(): Promise<BenchRow[]> {
  const dataDir = await freshDir('bench-rss-');
  const logFile = process.env.PROOFLINE_BENCH_SERVE_LOG;
  const serveLog = logFile === undefined ? 'ignore' : openSync(logFile, 'w');
  const server = spawn(
    process.execPath,
    [CLI, 'serve', '--data', join(dataDir, 'data'), '--port', String(PORT)],
    // PROOFLINE_BENCH_SERVE_LOG: a file for the server's log (why it stopped, when it does).
    { stdio: ['ignore', serveLog, serveLog] },
  );
  const url = `http://127.0.0.1:${PORT}`;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch {
        if (i > 200) throw new Error('serve did not start');
      }
      await delay(50);
    }
    const idle = peakRssMiB(server.pid!);
    const requests = Math.ceil(TOTAL_RECORDS / RECORDS_PER_REQUEST);
    // Each request opens its own sessions (100 per request at the defaults), so the assembler holds many open
    // sessions as a busy server would.
    const perRequest = Math.max(1, Math.floor(TOTAL_SESSIONS / requests));
    const started = Date.now();
    for (let i = 0; i < requests; i++) {
      const body = encodeProtobuf(logsRequest(i * perRequest, perRequest, RECORDS_PER_REQUEST, i));
      const response = await fetch(`${url}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      if (response.status !== 200) throw new Error(`serve answered ${response.status}`);
    }
    const seconds = (Date.now() - started) / 1000;
    const peak = peakRssMiB(server.pid!);
    const heap = await metricMiB(url, 'nodejs_heap_size_used_bytes');
    const heapTotal = await metricMiB(url, 'nodejs_heap_size_total_bytes');
    const external = await metricMiB(url, 'nodejs_external_memory_bytes');
    const records = `${(requests * RECORDS_PER_REQUEST).toLocaleString('en')} log records`;
    const sessions = `${(requests * perRequest).toLocaleString('en')} open sessions`;
    return [
      {
        measure: `peak RSS of serve, ${records} over ${sessions} (${seconds.toFixed(0)} s)`,
        value: peak,
        unit: 'MiB',
        baseline: { name: 'same server idle', value: idle },
        goal: '< 512 MiB',
        met: peak < 512,
      },
      { measure: 'serve at the end: JS heap used', value: heap, unit: 'MiB' },
      { measure: 'serve at the end: JS heap allocated', value: heapTotal, unit: 'MiB' },
      {
        measure: 'serve at the end: external (buffers; the rest of RSS is native)',
        value: external,
        unit: 'MiB',
      },
    ];
  } finally {
    server.kill('SIGTERM');
  }
}
