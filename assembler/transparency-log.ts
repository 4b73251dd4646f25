// The data directory's transparency log over sealed sessions (schemas/checkpoint.md, files in schemas/tlog.ts):
// one RFC 6962 leaf per seal, in the order seals are written, and a signed C2SP checkpoint after every commit
// that added leaves. The seal's segment write is durable before its leaf is appended, and the leaf before the
// checkpoint that covers it; a crash in between is healed on the next start (BundleStore.open appends the
// leaves of seals that reached a segment but not the log), so the log never forks and never loses a seal.
//
// The leaves file is append-only. On open, the leaves must still hash to the root of the last checkpoint
// written here: if they do not, someone rewrote the log, and the writer refuses to go on (and to sign over it).
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  CheckpointError,
  ed25519NoteSigner,
  parseCheckpoint,
  signCheckpoint,
  verifierKey,
  type LogCheckpoint,
} from '../schemas/checkpoint.js';
import { digestLeafHash, MerkleLog } from '../schemas/merkle.js';
import {
  CHECKPOINT_FILE,
  isLogOrigin,
  LEAF_LINE_BYTES,
  LEAVES_FILE,
  newLogOrigin,
  noteBody,
  ORIGIN_FILE,
  parseLeaves,
  TLOG_DIR,
} from '../schemas/tlog.js';
import { syncDirectory, writeFileDurably } from './durable-file.js';
import { TransparencyLogError } from './errors.js';
import type { Signer } from './sign.js';

export interface LogCommit {
  /** The new signed checkpoint (a C2SP signed note). */
  note: string;
  size: number;
}

export class TransparencyLog {
  private pending: string[] = [];

  private constructor(
    readonly dir: string,
    readonly origin: string,
    private readonly signer: Signer,
    private readonly tree: MerkleLog,
  ) {}

  static async open(dataDir: string, signer: Signer): Promise<TransparencyLog> {
    const dir = join(dataDir, TLOG_DIR);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const origin = await readOrCreateOrigin(dir);
    const leavesPath = join(dir, LEAVES_FILE);
    const leaves = await readLeaves(leavesPath);
    const tree = MerkleLog.fromLeafHashes(leaves.map(digestLeafHash));
    const log = new TransparencyLog(dir, origin, signer, tree);
    const last = await log.lastCheckpoint();
    if (last) log.assertExtends(last, 'the last checkpoint written here');
    else if (leaves.length > 0)
      throw new TransparencyLogError(
        `${join(dir, CHECKPOINT_FILE)} is missing while the log has ${leaves.length} leaves: it was deleted`,
      );
    // A crash after appending leaves but before the checkpoint covering them: sign one now.
    if (!last || last.size < leaves.length) await log.writeCheckpoint();
    return log;
  }

  get size(): number {
    return this.tree.size;
  }

  /** The verifier key a witness or auditor checks this log's checkpoints with (schemas/checkpoint.md). */
  get verifierKey(): string {
    return verifierKey(this.origin, this.signer.privateKey);
  }

  /** Whether `digest` is one of the last `count` leaves (where a seal committed just before a crash would be). */
  inTail(digest: string, count: number): boolean {
    const leaf = digestLeafHash(digest);
    for (let i = Math.max(0, this.tree.size - count); i < this.tree.size; i++)
      if (this.tree.leafHash(i).equals(leaf)) return true;
    return false;
  }

  /** Queues a seal's digest as the next leaf. */
  stage(sealDigest: string): void {
    digestLeafHash(sealDigest);
    this.pending.push(sealDigest);
  }

  /** Appends the queued leaves durably, then signs and writes the checkpoint over them; null if none. */
  async commit(): Promise<LogCommit | null> {
    if (this.pending.length === 0) return null;
    const added = this.pending;
    this.pending = [];
    const handle = await open(join(this.dir, LEAVES_FILE), 'a', 0o600);
    try {
      await handle.write(added.map((d) => `${d}\n`).join(''));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    for (const digest of added) this.tree.append(digestLeafHash(digest));
    return { note: await this.writeCheckpoint(), size: this.tree.size };
  }

  /** The latest signed checkpoint, as written to `tlog/checkpoint`. */
  currentCheckpoint(): Promise<string> {
    return readFile(join(this.dir, CHECKPOINT_FILE), 'utf8');
  }

  /**
   * That this log extends `note`, a checkpoint of it kept elsewhere (a witness): same origin, no more leaves
   * than the log has, and the same root over that many. Throws otherwise. The signature is the auditor's to
   * check (with the keys they trust); here it must not stop a server whose key was rotated since.
   */
  assertConsistentWith(note: string, where: string): void {
    let checkpoint: LogCheckpoint;
    try {
      checkpoint = parseCheckpoint(noteBody(note) ?? '');
    } catch (error) {
      if (error instanceof CheckpointError)
        throw new TransparencyLogError(`${where} is not a checkpoint: ${error.message}`);
      throw error;
    }
    if (checkpoint.origin !== this.origin)
      throw new TransparencyLogError(
        `${where} is of log ${checkpoint.origin}, and this data directory's log is ${this.origin}: ` +
          'the data directory was replaced or its log deleted (give the server a new witness to start over)',
      );
    this.assertExtends(checkpoint, where);
  }

  private assertExtends(checkpoint: LogCheckpoint, where: string): void {
    if (checkpoint.size > this.tree.size)
      throw new TransparencyLogError(
        `${where} covers ${checkpoint.size} seals but the log in ${this.dir} has only ${this.tree.size}: ` +
          'the log was truncated',
      );
    if (!this.tree.root(checkpoint.size).equals(checkpoint.rootHash))
      throw new TransparencyLogError(
        `the first ${checkpoint.size} leaves in ${this.dir} do not hash to the root of ${where}: ` +
          'the log was rewritten',
      );
  }

  /** The checkpoint body last written here. Its signature is not checked: the leaves must match it either
   * way, and a key rotation must not stop the log (auditors check signatures, with the keys they trust). */
  private async lastCheckpoint(): Promise<LogCheckpoint | undefined> {
    const path = join(this.dir, CHECKPOINT_FILE);
    let note: string;
    try {
      note = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const checkpoint = parseCheckpoint(noteBody(note) ?? '');
      if (checkpoint.origin !== this.origin) throw new TransparencyLogError(`${path} is from another log`);
      return checkpoint;
    } catch (error) {
      if (error instanceof CheckpointError)
        throw new TransparencyLogError(`${path} is not a checkpoint: ${error.message}`);
      throw error;
    }
  }

  private async writeCheckpoint(): Promise<string> {
    const note = signCheckpoint(
      { origin: this.origin, size: this.tree.size, rootHash: this.tree.root(), extensions: [] },
      [ed25519NoteSigner(this.origin, this.signer.privateKey)],
    );
    await writeFileDurably(join(this.dir, CHECKPOINT_FILE), note, { mode: 0o644, replace: true });
    return note;
  }
}

async function readOrCreateOrigin(dir: string): Promise<string> {
  const path = join(dir, ORIGIN_FILE);
  try {
    const origin = (await readFile(path, 'utf8')).trim();
    if (!isLogOrigin(origin)) throw new TransparencyLogError(`${path} does not hold a log origin`);
    return origin;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const origin = newLogOrigin();
  await writeFileDurably(path, `${origin}\n`, { mode: 0o644, replace: false });
  return origin;
}

/** The leaves, with a torn last line (an append a crash cut short) cut off the file. */
async function readLeaves(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed = parseLeaves(text);
  if (parsed.malformed.length > 0)
    throw new TransparencyLogError(`${path}: line ${parsed.malformed[0]} is not a seal digest`);
  if (parsed.tornBytes > 0) {
    const handle = await open(path, 'r+');
    try {
      await handle.truncate(parsed.leaves.length * LEAF_LINE_BYTES);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncDirectory(join(path, '..'));
  }
  return parsed.leaves;
}
