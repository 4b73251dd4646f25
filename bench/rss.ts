// Peak resident memory of a real `proofline serve` process while it ingests 1M log records, read from the
// kernel (VmHWM) at the end; beside the peak of the same server idle after start-up.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

import { freshDir } from './dirs.js';
import type { BenchRow } from './table.js';
import { encodeProtobuf, logsRequest } from './workload.js';

const TOTAL_RECORDS = 1_000_000;
const RECORDS_PER_REQUEST = 5_000;
const PORT = 4399;
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

export async function benchServeRss(): Promise<BenchRow[]> {
  const dataDir = await freshDir('bench-rss-');
  const server = spawn(
    process.execPath,
    [CLI, 'serve', '--data', join(dataDir, 'data'), '--port', String(PORT)],
    {
      stdio: 'ignore',
    },
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
    const requests = TOTAL_RECORDS / RECORDS_PER_REQUEST;
    const started = Date.now();
    for (let i = 0; i < requests; i++) {
      // 100 sessions per request, so the assembler holds many open sessions as a busy server would.
      const body = encodeProtobuf(logsRequest(i * 100, 100, RECORDS_PER_REQUEST, i));
      const response = await fetch(`${url}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      if (response.status !== 200) throw new Error(`serve answered ${response.status}`);
    }
    const seconds = (Date.now() - started) / 1000;
    const peak = peakRssMiB(server.pid!);
    return [
      {
        measure: `peak RSS of serve, 1M log records (${seconds.toFixed(0)} s)`,
        value: peak,
        unit: 'MiB',
        baseline: { name: 'same server idle', value: idle },
        goal: '< 512 MiB',
        met: peak < 512,
      },
    ];
  } finally {
    server.kill('SIGTERM');
  }
}
