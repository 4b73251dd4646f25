// Manifest stability: the bundles rebuilt from the recorded observations alone, in a fresh data directory
// with the same signing key, must be the same manifests. Whatever leaked into a bundle that is not in the
// record (a wall clock, an iteration order, a random id) shows up here as a changed digest.
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';

import { startPipeline } from '../service/embedded.js';
import type { Observation } from '../schemas/observation.js';
import { readEvidence } from './evidence.js';

/** Rebuilds `dataDir`'s bundles from its log into a new directory; returns manifest digests by action key. */
export async function rebuildManifests(dataDir: string, keyDir: string): Promise<Map<string, string>> {
  const observations = await recordedObservations(join(dataDir, 'pipeline.duckdb'));
  const rebuilt = await mkdtemp(join(tmpdir(), 'proofline-eval-rebuild-'));
  await cp(keyDir, join(rebuilt, 'keys'), { recursive: true });
  const pipeline = await startPipeline({ dataDir: rebuilt, ingest: { port: 0 }, assembler: QUIET_TIMERS });
  try {
    await pipeline.publisher.publish(observations);
    await pipeline.flush();
  } finally {
    await pipeline.close();
  }
  const { actions } = await readEvidence(rebuilt);
  return new Map([...actions].map(([key, evidence]) => [key, evidence.manifestDigest]));
}

/** Nothing is bundled or sealed on a timer while the eval runs: only its explicit flush does. */
export const QUIET_TIMERS = { settleMs: 24 * 3600_000, idleTimeoutMs: 24 * 3600_000 };

async function recordedObservations(logFile: string): Promise<Observation[]> {
  const instance = await DuckDBInstance.create(logFile, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const result = await connection.runAndReadAll('SELECT observation FROM observations ORDER BY seq');
    return result.getRowObjects().map((row) => JSON.parse(String(row.observation)) as Observation);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
