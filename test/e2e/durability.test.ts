// kill -9 of a real `proofline serve` in the middle of a replay, a restart, and the exporter's retry of
// whatever was not acknowledged: every record the server answered 200 for must end up in the sealed sessions.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';

import { listScenarios, loadScenario } from '../../service/replay.js';
import { decodeOtlp } from '../../ingest/otlp/decode.js';
import { normalizeOtlpRequest } from '../../ingest/normalize/otlp-request.js';
import { merkleRoot } from '../../schemas/merkle.js';
import { FIXTURE_ACTIONS, FIXTURE_SESSIONS, freshDataDir, readBundles, seals } from './support.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

interface Request {
  label: string;
  path: string;
  contentType: string;
  body: Buffer;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function startServe(dataDir: string, port: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--data',
      dataDir,
      '--port',
      String(port),
      '--settle-ms',
      '1500',
      '--idle-timeout-ms',
      '4000',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PROOFLINE_LOG_LEVEL: 'warn' } },
  );
}

/** Generous: a restart after kill -9 replays DuckDB's WAL, which takes a while on a loaded machine. */
async function waitUntilServing(url: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await delay(50);
  }
  throw new Error(`server at ${url} did not start`);
}

/** Every capture as the requests Codex made: hook calls (as `proofline hook` posts them) then OTLP. */
async function allRequests(): Promise<Request[]> {
  const requests: Request[] = [];
  for (const name of await listScenarios()) {
    const scenario = await loadScenario(name);
    for (const hook of scenario.hooks)
      requests.push({
        label: `${name}/${hook.event}`,
        path: '/v1/guard',
        contentType: 'application/json',
        body: Buffer.from(JSON.stringify({ hook: JSON.parse(hook.stdin) as unknown })),
      });
    for (const otlp of scenario.otlp)
      requests.push({
        label: `${name}/${otlp.file}`,
        path: otlp.path,
        contentType: otlp.contentType,
        body: otlp.body,
      });
  }
  return requests;
}

async function send(url: string, request: Request): Promise<boolean> {
  try {
    const response = await fetch(new URL(request.path, url), {
      method: 'POST',
      headers: { 'content-type': request.contentType },
      body: request.body,
    });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function rowsByObservation(dataDir: string): Promise<Map<string, string>> {
  const instance = await DuckDBInstance.create(join(dataDir, 'pipeline.duckdb'));
  const connection = await instance.connect();
  const rows = (await connection.runAndReadAll('SELECT id, session_id FROM observations')).getRowObjects();
  connection.closeSync();
  instance.closeSync();
  return new Map(rows.map((r) => [String(r.id), String(r.session_id)]));
}

describe('durability of the embedded pipeline', () => {
  it('keeps every acknowledged record across kill -9 and a restart', { timeout: 180_000 }, async () => {
    expect(existsSync(CLI), 'build first: npm run build').toBe(true);
    const dataDir = await freshDataDir('proofline-durability-');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const requests = await allRequests();
    const acknowledged: Request[] = [];
    const unacknowledged: Request[] = [];

    let server = startServe(dataDir, port);
    await waitUntilServing(url);
    const killAt = Math.floor(requests.length / 2);
    for (const [i, request] of requests.entries()) {
      if (i === killAt) {
        // Kill while a request is in flight: it may or may not have been acknowledged, and must not be lost
        // if it was.
        const inFlight = send(url, request);
        await delay(2);
        server.kill('SIGKILL');
        ((await inFlight) ? acknowledged : unacknowledged).push(request);
        await new Promise((resolve) => server.once('exit', resolve));
        continue;
      }
      ((await send(url, request)) ? acknowledged : unacknowledged).push(request);
    }
    expect(unacknowledged.length).toBeGreaterThan(0);

    server = startServe(dataDir, port);
    await waitUntilServing(url);
    for (const request of unacknowledged) expect(await send(url, request), request.label).toBe(true);

    // Sessions seal once their records settle after SessionEnd (or go idle): wait for every seal.
    const sealCount = async () => seals(await readBundles(dataDir)).length;
    for (let i = 0; i < 300 && (await sealCount()) !== FIXTURE_SESSIONS; i++) await delay(100);
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));

    // Every OTLP record acknowledged before the kill is in the durable log...
    const logged = await rowsByObservation(dataDir);
    const firstRun = acknowledged.filter((r) => r.path !== '/v1/guard');
    for (const request of firstRun) {
      const decoded = decodeOtlp(
        request.body,
        request.contentType.includes('json') ? 'json' : 'protobuf',
        undefined,
      );
      const { observations } = normalizeOtlpRequest(decoded, { storeContent: false, observedUnixNano: '0' });
      for (const observation of observations) expect(logged.has(observation.id), request.label).toBe(true);
    }

    // ...and every logged record is covered by its session's seal: count and Merkle root over the ids.
    const files = await readBundles(dataDir);
    const sealed = seals(files);
    expect(sealed).toHaveLength(FIXTURE_SESSIONS);
    for (const seal of sealed) {
      const ids = [...logged]
        .filter(([, session]) => session === seal.session_id)
        .map(([id]) => id)
        .sort();
      expect(seal.observations.count, seal.session_id).toBe(ids.length);
      expect(seal.observations.merkle_root).toBe(merkleRoot(ids));
    }
    expect(files.filter((f) => f.kind === 'action')).toHaveLength(FIXTURE_ACTIONS);
  });
});
