// Real parts for assembler tests: a temp data directory, an in-memory DuckDB, a key made by keygen, a
// manual clock, and an independent DSSE check written directly against node:crypto.
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

import {
  createAssembler,
  type Assembler,
  type AssemblerLogger,
  type AssemblerOptions,
} from '../../assembler/assembler.js';
import { BundleStore } from '../../assembler/bundle-store.js';
import { loadSigner } from '../../assembler/keygen.js';
import { SessionSpill } from '../../assembler/spill.js';
import {
  actionBundleFileName,
  SEAL_FILE_NAME,
  type ActionProof,
  type DsseEnvelope,
  type SessionSeal,
  type Statement,
} from '../../schemas/bundle.js';
import { decodeRecord, readRecords, readSegment, type DecodedRecord } from '../../schemas/segment.js';
import { preAuthEncoding } from '../../schemas/dsse.js';
import { PUBLIC_KEY_SET_FILE, type PublicKeySet } from '../../schemas/keys.js';
import type { PartitionHandover } from '../../schemas/transport.js';

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

export interface RigOptions {
  dataDir?: string;
  keyDir?: string;
  /** Records the assembler holds in memory before it sets sessions aside on disk; `spill: false` holds all. */
  maxHeldRecords?: number;
  spill?: boolean;
  logger?: AssemblerLogger;
  /** Where the previous owners of a partition left its sessions (test/assembler/handover.test.ts). */
  handover?: Pick<PartitionHandover, 'session'>;
  beforeWrite?: AssemblerOptions['beforeWrite'];
}

/**
 * A fresh data directory and key by default; `shared.dataDir` opens a second store/assembler over an existing
 * directory (a restart, or a second writer), `shared.keyDir` signs with an existing key. Quiet sessions are set
 * aside on disk as in the server, unless `spill: false`.
 */
export async function rig(shared: RigOptions = {}): Promise<Rig> {
  const dataDir = shared.dataDir ?? (await mkdtemp(join(tmpdir(), 'proofline-assembler-')));
  const keyDir = shared.keyDir ?? join(dataDir, 'keys');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const signer = await loadSigner(keyDir);
  const store = await BundleStore.open(dataDir, db, { signer });
  const clock = new ManualClock();
  const assembler = createAssembler({
    store,
    signer,
    settleMs: SETTLE_MS,
    idleTimeoutMs: IDLE_MS,
    clock,
    assemblerVersion: 'test-0.0.0',
    ...(shared.spill === false ? {} : { spill: await SessionSpill.open(dataDir) }),
    ...(shared.maxHeldRecords === undefined ? {} : { maxHeldRecords: shared.maxHeldRecords }),
    ...(shared.logger === undefined ? {} : { logger: shared.logger }),
    ...(shared.handover === undefined ? {} : { handover: shared.handover }),
    ...(shared.beforeWrite === undefined ? {} : { beforeWrite: shared.beforeWrite }),
  });
  return {
    dataDir,
    keyDir,
    db,
    store,
    clock,
    assembler,
    close: async () => {
      await store.close();
      db.closeSync();
      instance.closeSync();
      if (shared.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface StoredRecord {
  /** The name `proofline export` gives it. */
  name: string;
  text: string;
  envelope: DsseEnvelope;
  payload: Buffer;
}

function stored(record: DecodedRecord): StoredRecord {
  const predicate = record.statement.predicate as ActionProof;
  const name =
    record.kind === 'seal'
      ? SEAL_FILE_NAME
      : actionBundleFileName(predicate.manifest.sequence, predicate.summary.action_id);
  return {
    name,
    text: record.text,
    envelope: record.envelope,
    payload: Buffer.from(record.envelope.payload, 'base64'),
  };
}

/** The record at a location the store returned (`segments/000001.jsonl:3`). */
export async function readEnvelope(dataDir: string, location: string): Promise<StoredRecord> {
  const [, file, line] = /^(.*):(\d+)$/.exec(location)!;
  for await (const entry of readSegment(join(dataDir, file!), 0))
    if (entry.line === Number(line) && entry.kind === 'record') return stored(decodeRecord(entry.text));
  throw new Error(`no record at ${location}`);
}

/** A session's records, by the names an export gives them, sorted by name (the chain, then the seal). */
export async function sessionRecords(dataDir: string, sessionId: string): Promise<StoredRecord[]> {
  const records: StoredRecord[] = [];
  for await (const record of readRecords(dataDir)) {
    const predicate = record.statement.predicate as Partial<ActionProof & SessionSeal>;
    if ((predicate.summary?.session_id ?? predicate.session_id) === sessionId) records.push(stored(record));
  }
  return records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Just their names. */
export async function sessionFiles(dataDir: string, sessionId: string): Promise<string[]> {
  return (await sessionRecords(dataDir, sessionId)).map((r) => r.name);
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
