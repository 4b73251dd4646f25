// Real parts for assembler tests: a temp data directory, an in-memory DuckDB, a key made by keygen, a
// manual clock, and an independent DSSE check written directly against node:crypto.
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

import { createAssembler, type Assembler } from '../../assembler/assembler.js';
import { BundleStore } from '../../assembler/bundle-store.js';
import { loadSigner } from '../../assembler/keygen.js';
import type { DsseEnvelope, Statement } from '../../schemas/bundle.js';
import { preAuthEncoding } from '../../schemas/dsse.js';
import { PUBLIC_KEY_SET_FILE, type PublicKeySet } from '../../schemas/keys.js';

export class ManualClock {
  constructor(public ms = 1_000_000) {}
  nowMs(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Rig {
  dataDir: string;
  keyDir: string;
  db: DuckDBConnection;
  store: BundleStore;
  clock: ManualClock;
  assembler: Assembler;
  close(): Promise<void>;
}

export const SETTLE_MS = 2_000;
export const IDLE_MS = 60_000;

/**
 * A fresh data directory and key by default; `shared.dataDir` opens a second store/assembler over an existing
 * directory (a restart, or a second writer), `shared.keyDir` signs with an existing key.
 */
export async function rig(shared: { dataDir?: string; keyDir?: string } = {}): Promise<Rig> {
  const dataDir = shared.dataDir ?? (await mkdtemp(join(tmpdir(), 'proofline-assembler-')));
  const keyDir = shared.keyDir ?? join(dataDir, 'keys');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const store = await BundleStore.open(dataDir, db);
  const signer = await loadSigner(keyDir);
  const clock = new ManualClock();
  const assembler = createAssembler({
    store,
    signer,
    settleMs: SETTLE_MS,
    idleTimeoutMs: IDLE_MS,
    clock,
    assemblerVersion: 'test-0.0.0',
  });
  return {
    dataDir,
    keyDir,
    db,
    store,
    clock,
    assembler,
    close: async () => {
      db.closeSync();
      instance.closeSync();
      if (shared.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function readEnvelope(
  path: string,
): Promise<{ text: string; envelope: DsseEnvelope; payload: Buffer }> {
  const text = await readFile(path, 'utf8');
  const envelope = JSON.parse(text) as DsseEnvelope;
  return { text, envelope, payload: Buffer.from(envelope.payload, 'base64') };
}

export function statementOf<P>(payload: Buffer): Statement<P> {
  return JSON.parse(payload.toString('utf8')) as Statement<P>;
}

/** DSSE verification from first principles: PAE over the payload, Ed25519 with the key the keyid names. */
export async function signatureVerifies(keyDir: string, envelope: DsseEnvelope): Promise<boolean> {
  const keys = JSON.parse(await readFile(join(keyDir, PUBLIC_KEY_SET_FILE), 'utf8')) as PublicKeySet;
  const payload = Buffer.from(envelope.payload, 'base64');
  return envelope.signatures.every((signature) => {
    const key = keys.keys.find((k) => k.keyid === signature.keyid);
    if (!key) return false;
    return verify(
      null,
      preAuthEncoding(envelope.payloadType, payload),
      createPublicKey(key.public_key),
      Buffer.from(signature.sig, 'base64'),
    );
  });
}
