// What an open session costs the assembler while it is set aside on disk (assembler/spill.ts): the JS heap (and
// array buffers) after N sessions of two records each were handed to a real assembler holding at most 100
// records, measured after a full GC at 5,000 and at 20,000 sessions; the difference over the 15,000 sessions
// between them is the per-session constant, free of everything the process holds anyway.
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { DuckDBInstance } from '@duckdb/node-api';

import { createAssembler } from '../assembler/assembler.js';
import { BundleStore } from '../assembler/bundle-store.js';
import { loadSigner } from '../assembler/keygen.js';
import { SessionSpill } from '../assembler/spill.js';
import { OBSERVATION_SCHEMA, observationId, type Observation } from '../schemas/observation.js';
import type { Delivery } from '../schemas/transport.js';
import { freshDir } from './dirs.js';
import type { BenchRow } from './table.js';
import { sessionId } from './workload.js';

const SMALL = 5_000;
const LARGE = 20_000;
const PER_BATCH = 500;

function collectedBytes(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

function sessionRecords(index: number, first: number): Delivery[] {
  return (['session_start', 'prompt'] as const).map((kind, i) => {
    const body: Omit<Observation, 'id'> = {
      schema: OBSERVATION_SCHEMA,
      source: 'codex.log',
      runtime_family: 'tool_hook',
      session_id: sessionId(index),
      kind,
      name: kind,
      time_unix_nano: String(1_800_000_000_000_000_000n + BigInt(index)),
      observed_unix_nano: '1',
      attrs: {},
      raw_digest: '0'.repeat(64),
    };
    return { observation: { id: observationId(body), ...body }, partition: 0, offset: String(first + i) };
  });
}

export async function benchSpilledSessionHeap(): Promise<BenchRow> {
  const dataDir = await freshDir('bench-spill-');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const signer = await loadSigner(join(dataDir, 'keys'));
  const store = await BundleStore.open(dataDir, db, { signer });
  const assembler = createAssembler({
    store,
    signer,
    settleMs: 1_000,
    idleTimeoutMs: 3_600_000,
    assemblerVersion: 'bench',
    spill: await SessionSpill.open(dataDir),
    maxHeldRecords: 100,
  });
  const open = async (from: number, to: number) => {
    for (let s = from; s < to; s += PER_BATCH) {
      const batch: Delivery[] = [];
      for (let k = s; k < s + PER_BATCH; k++) batch.push(...sessionRecords(k, 2 * k));
      await assembler.handle(batch);
    }
  };
  try {
    await open(0, SMALL);
    const atSmall = collectedBytes();
    await open(SMALL, LARGE);
    const atLarge = collectedBytes();
    const perSession = (atLarge - atSmall) / (LARGE - SMALL);
    const { spilledSessions } = assembler.stats();
    return {
      measure: `assembler heap per open session set aside on disk (${spilledSessions.toLocaleString('en')} of ${LARGE.toLocaleString('en')} spilled)`,
      value: perSession,
      unit: 'B',
      goal: 'a documented constant',
    };
  } finally {
    await store.close();
    db.closeSync();
    instance.closeSync();
  }
}
