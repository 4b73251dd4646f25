// Bundles on disk under `<data>/bundles/<session_id>/` (schemas/bundle.ts file names). The files are the
// source of truth for what is already bundled: every append re-reads the directory under the session lock,
// so a restarted assembler, or a second one sharing the directory, never bundles an action twice and always
// extends the chain from its real last bundle. The DuckDB index is derived from the files and is brought up
// to date whenever they are read, so a crash between the file and the index row heals itself (bundle-index.ts).
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

import type { DuckDBConnection } from '@duckdb/node-api';

import {
  actionBundleFileName,
  SEAL_FILE_NAME,
  storageName,
  type ActionProof,
  type BundleDigest,
  type DsseEnvelope,
  type SessionSeal,
  type Statement,
} from '../schemas/bundle.js';
import { sha256Hex } from '../schemas/digest.js';
import type { ChainPosition } from './bundle.js';
import { BundleIndex } from './bundle-index.js';
import { writeFileDurably } from './durable-file.js';
import { BundleStoreCorruptError } from './errors.js';
import { withSessionLock } from './session-lock.js';
import type { SignedBundle } from './sign.js';

export interface StoredBundle {
  sequence: number;
  actionId: string;
  digest: BundleDigest;
  path: string;
}

export interface StoredSeal {
  digest: BundleDigest;
  path: string;
  seal: SessionSeal;
}

export interface AppendResult {
  bundle: StoredBundle;
  /** false: the action was already in the store (bundled by an earlier run or another writer). */
  created: boolean;
}

const ACTION_FILE = /^(\d{6,})-.+\.dsse\.json$/;
const LOCK_TIMEOUT_MS = 10_000;

export class BundleStore {
  /** Per unsealed session, the bundle files already parsed, by file name: re-reading the directory stays
   * cheap. A sealed session's chain is final and never read again, so its entry is dropped. */
  private readonly known = new Map<string, Map<string, StoredBundle>>();

  private constructor(
    readonly dataDir: string,
    private readonly index: BundleIndex,
  ) {}

  static async open(dataDir: string, db: DuckDBConnection): Promise<BundleStore> {
    await mkdir(join(dataDir, 'bundles'), { recursive: true });
    return new BundleStore(dataDir, await BundleIndex.open(db));
  }

  /** Runs `work` (one assembler step) with the index rows it causes written together at its end. */
  batchIndexWrites<T>(work: () => Promise<T>): Promise<T> {
    return this.index.deferred(work);
  }

  sessionDir(sessionId: string): string {
    return join(this.dataDir, 'bundles', storageName(sessionId));
  }

  /** The session's bundles in chain order, as the files say. */
  async chain(sessionId: string): Promise<StoredBundle[]> {
    return this.refresh(sessionId);
  }

  async seal(sessionId: string): Promise<StoredSeal | null> {
    const path = join(this.sessionDir(sessionId), SEAL_FILE_NAME);
    const read = await readEnvelope(path);
    if (read === null) return null;
    const seal = read.statement.predicate as SessionSeal;
    if (seal.session_id !== sessionId)
      throw new BundleStoreCorruptError(path, `seal of session ${seal.session_id}`);
    this.known.delete(sessionId);
    await this.index.addSeal(path, read.digest, seal);
    return { digest: read.digest, path, seal };
  }

  /**
   * Appends the action's bundle unless the store already has one. `sign` is called under the session lock
   * with the real chain position, so the bundle links to whatever is actually last on disk.
   */
  async appendAction(
    sessionId: string,
    actionId: string,
    sign: (position: ChainPosition) => SignedBundle,
  ): Promise<AppendResult> {
    const dir = this.sessionDir(sessionId);
    await mkdir(dir, { recursive: true });
    return withSessionLock(dir, LOCK_TIMEOUT_MS, async () => {
      const chain = await this.refresh(sessionId);
      const existing = chain.find((b) => b.actionId === actionId);
      if (existing) return { bundle: existing, created: false };
      const last = chain.at(-1);
      const position: ChainPosition = { sequence: chain.length, previousBundle: last?.digest ?? null };
      const signed = sign(position);
      const path = join(dir, actionBundleFileName(position.sequence, actionId));
      await writeFileDurably(path, signed.fileText, { replace: false });
      const bundle = { sequence: position.sequence, actionId, digest: signed.digest, path };
      this.knownFor(sessionId).set(basename(path), bundle);
      await this.index.addAction(bundle, decodeStatement(path, signed.envelope) as Statement<ActionProof>);
      return { bundle, created: true };
    });
  }

  /** Writes the seal once; if the session is already sealed, returns the seal that is there. */
  async writeSeal(
    sessionId: string,
    sign: (chain: readonly StoredBundle[]) => SignedBundle,
  ): Promise<StoredSeal> {
    const dir = this.sessionDir(sessionId);
    await mkdir(dir, { recursive: true });
    return withSessionLock(dir, LOCK_TIMEOUT_MS, async () => {
      const existing = await this.seal(sessionId);
      if (existing) return existing;
      const signed = sign(await this.refresh(sessionId));
      const path = join(dir, SEAL_FILE_NAME);
      await this.index.writeQueuedOf(sessionId);
      await writeFileDurably(path, signed.fileText, { replace: false });
      this.known.delete(sessionId);
      const seal = decodeStatement(path, signed.envelope).predicate as SessionSeal;
      await this.index.addSeal(path, signed.digest, seal);
      return { digest: signed.digest, path, seal };
    });
  }

  private async refresh(sessionId: string): Promise<StoredBundle[]> {
    const dir = this.sessionDir(sessionId);
    const known = this.knownFor(sessionId);
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    for (const name of names) {
      if (!ACTION_FILE.test(name) || known.has(name)) continue;
      const path = join(dir, name);
      const read = await readEnvelope(path);
      if (read === null) continue;
      const proof = read.statement.predicate as ActionProof;
      const manifest = proof.manifest;
      if (
        manifest?.session_id !== sessionId ||
        actionBundleFileName(manifest.sequence, manifest.action_id) !== name
      ) {
        throw new BundleStoreCorruptError(path, 'manifest does not match the file name or session');
      }
      const bundle = { sequence: manifest.sequence, actionId: manifest.action_id, digest: read.digest, path };
      known.set(name, bundle);
      await this.index.addAction(bundle, read.statement as Statement<ActionProof>);
    }
    const chain = [...known.values()].sort((a, b) => a.sequence - b.sequence);
    chain.forEach((bundle, index) => {
      if (bundle.sequence !== index) {
        throw new BundleStoreCorruptError(bundle.path, `chain has a gap or duplicate at sequence ${index}`);
      }
    });
    return chain;
  }

  private knownFor(sessionId: string): Map<string, StoredBundle> {
    let known = this.known.get(sessionId);
    if (!known) {
      known = new Map();
      this.known.set(sessionId, known);
    }
    return known;
  }
}

async function readEnvelope(
  path: string,
): Promise<{ envelope: DsseEnvelope; statement: Statement<unknown>; digest: BundleDigest } | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let envelope: DsseEnvelope;
  try {
    envelope = JSON.parse(text) as DsseEnvelope;
  } catch (error) {
    throw new BundleStoreCorruptError(path, (error as Error).message);
  }
  if (typeof envelope?.payload !== 'string') throw new BundleStoreCorruptError(path, 'not a DSSE envelope');
  const statement = decodeStatement(path, envelope);
  return { envelope, statement, digest: sha256Hex(Buffer.from(envelope.payload, 'base64')) };
}

function decodeStatement(path: string, envelope: DsseEnvelope): Statement<unknown> {
  try {
    return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Statement<unknown>;
  } catch (error) {
    throw new BundleStoreCorruptError(path, `payload is not a JSON statement: ${(error as Error).message}`);
  }
}
