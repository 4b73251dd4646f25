// The data directory's bundles and seals (ARCHITECTURE.md §5, "Data directory"): one writer at a time
// (writer-lock.ts) appends them to its own segment (segment-writer.ts), one write and one fsync per assembler
// step; every seal becomes a leaf of the transparency log (transparency-log.ts) in the same step, after its
// segment write is durable. Session, action and call ids come from the wire and never name a file: records
// carry them inside the signed statement, and exports name files with storageName (schemas/bundle.ts).
//
// The DuckDB index (bundle-index.ts) says what is already bundled and sealed; it is derived from the
// segments and brought up to date on open, so a crash between a segment write and its index rows (or its
// log leaf) heals on the next start. A record the store cannot read back is logged and left for the
// verifier to report: one bad record never stops the assembler.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';

import type { DuckDBConnection } from '@duckdb/node-api';
import pino, { type Logger } from 'pino';

import { parseStatement } from '../schemas/bundle-schema.js';
import type { ActionProof, BundleDigest, DsseEnvelope, SessionSeal, Statement } from '../schemas/bundle.js';
import { canonicalize, sha256Hex } from '../schemas/digest.js';
import { preAuthEncoding } from '../schemas/dsse.js';
import { decodeRecord, readSegment, type SegmentPosition } from '../schemas/segment.js';
import type { ChainPosition } from './bundle.js';
import { BundleIndex, locationOf, type Location } from './bundle-index.js';
import { SegmentWriter } from './segment-writer.js';
import type { SignedBundle, Signer } from './sign.js';
import { TransparencyLog } from './transparency-log.js';
import { takeWriterLock } from './writer-lock.js';

export type { Location } from './bundle-index.js';

export interface StoredBundle {
  sequence: number;
  actionId: string;
  digest: BundleDigest;
  location: Location;
  /** The record as written (canonical envelope JSON): present for a bundle written by this process. */
  text?: string;
  position?: SegmentPosition;
}

export interface StoredSeal {
  sessionId: string;
  digest: BundleDigest;
  location: Location;
  /** How many action bundles it covers. */
  count: number;
  /** The seal, the record as written and where: present for a seal written by this process. */
  seal?: SessionSeal;
  text?: string;
  position?: SegmentPosition;
}

export interface AppendResult {
  bundle: StoredBundle;
  /** false: the action was already in the store (bundled by an earlier run). */
  created: boolean;
}

export interface StoreOptions {
  /** Signs the transparency log's checkpoints (the key that signs the bundles). */
  signer: Signer;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How long to wait for a predecessor still holding the data directory. */
  lockTimeoutMs?: number;
}

interface Chain {
  bundles: StoredBundle[];
  byAction: Map<string, StoredBundle>;
}

const LOCK_TIMEOUT_MS = 10_000;
/** The location of a bundle in another assembler's data directory. */
const HANDED_OVER = 'handed-over';

export class BundleStore {
  /** The chains of sessions touched since they were loaded (unsealed ones; dropped when sealed). */
  private readonly chains = new Map<string, Chain>();
  /** Seals staged since the last commit: not in the index yet. */
  private readonly newSeals = new Map<string, StoredSeal>();
  /** Chains to drop from memory once the step's index rows are written (their sessions were set aside). */
  private readonly forgetting = new Set<string>();
  /** Sessions the index said were unsealed, until this writer seals them: sealing asks the index nothing. */
  private readonly unsealed = new Set<string>();
  /** Chains begun by another assembler (handed over with their partition): the bundles before this writer's. */
  private readonly handedOver = new Map<string, StoredBundle[]>();
  private closed = false;

  private constructor(
    readonly dataDir: string,
    readonly log: TransparencyLog,
    private readonly segments: SegmentWriter,
    private readonly index: BundleIndex,
    private readonly logger: NonNullable<StoreOptions['logger']>,
    private readonly release: () => Promise<void>,
    private readonly publicKey: KeyObject,
  ) {}

  static async open(dataDir: string, db: DuckDBConnection, options: StoreOptions): Promise<BundleStore> {
    const logger = options.logger ?? pino({ level: 'silent' });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const release = await takeWriterLock(dataDir, options.lockTimeoutMs ?? LOCK_TIMEOUT_MS);
    let writer: SegmentWriter | undefined;
    try {
      const opened = await SegmentWriter.open(dataDir);
      writer = opened.writer;
      if (opened.tornBytesCut > 0)
        logger.warn(
          { segment: opened.existing.at(-1)?.path, bytes: opened.tornBytesCut },
          'cut a record a crash left half-written (never acknowledged)',
        );
      const log = await TransparencyLog.open(dataDir, options.signer);
      const index = await BundleIndex.open(db);
      const publicKey = createPublicKey(options.signer.privateKey);
      const store = new BundleStore(dataDir, log, writer, index, logger, release, publicKey);
      await store.catchUp(opened.existing);
      return store;
    } catch (error) {
      await writer?.close();
      await release();
      throw error;
    }
  }

  /** The session's bundles in chain order. */
  async chain(sessionId: string): Promise<StoredBundle[]> {
    return [...(await this.chainOf(sessionId)).bundles];
  }

  async seal(sessionId: string): Promise<StoredSeal | null> {
    const staged = this.newSeals.get(sessionId);
    if (staged) return staged;
    // Found unsealed before, and only this writer seals (writer-lock.ts): still unsealed.
    if (this.unsealed.has(sessionId)) return null;
    const indexed = await this.index.sealOf(sessionId);
    if (!indexed) this.unsealed.add(sessionId);
    return indexed && { sessionId, ...indexed };
  }

  /**
   * Runs `work` (one assembler step), then makes everything it staged durable in one go: the segment write,
   * the log leaves and checkpoint, the index rows. Committed even when `work` fails part way, since what it
   * staged is signed and already part of the chains in memory; not while `beforeWrite` fails. `checkpoint`: the
   * new signed checkpoint, if the step sealed anything.
   */
  async inBatch<T>(
    work: () => Promise<T>,
    beforeWrite?: (result: T) => Promise<void>,
  ): Promise<{ result: T; checkpoint: string | null }> {
    let result: T;
    try {
      result = await work();
    } catch (error) {
      await this.commit();
      throw error;
    }
    // What must be recorded elsewhere first (the handover state on Kafka): until it is, the step's records stay
    // staged, and the next step that gets this far writes them.
    await beforeWrite?.(result);
    return { result, checkpoint: await this.commit() };
  }

  /** Stages the action's bundle unless the store already has one; `sign` gets its real chain position. */
  async appendAction(
    sessionId: string,
    actionId: string,
    sign: (position: ChainPosition) => SignedBundle,
  ): Promise<AppendResult> {
    const chain = await this.chainOf(sessionId);
    const existing = chain.byAction.get(actionId);
    if (existing) return { bundle: existing, created: false };
    const signed = sign({
      sequence: chain.bundles.length,
      previousBundle: chain.bundles.at(-1)?.digest ?? null,
    });
    const text = signed.fileText.trimEnd();
    const position = this.segments.stage(text);
    const bundle: StoredBundle = {
      sequence: chain.bundles.length,
      actionId,
      digest: signed.digest,
      location: locationOf(position),
      text,
      position,
    };
    chain.bundles.push(bundle);
    chain.byAction.set(actionId, bundle);
    this.index.addAction(position, signed.digest, signed.statement as Statement<ActionProof>);
    return { bundle, created: true };
  }

  /** Stages the seal, and its log leaf, once; if the session is already sealed, returns that seal. */
  async writeSeal(
    sessionId: string,
    sign: (chain: readonly StoredBundle[]) => SignedBundle,
  ): Promise<StoredSeal> {
    const existing = await this.seal(sessionId);
    if (existing) return existing;
    const chain = await this.chainOf(sessionId);
    const signed = sign(chain.bundles);
    const text = signed.fileText.trimEnd();
    const position = this.segments.stage(text);
    this.log.stage(signed.digest);
    const seal = (signed.statement as Statement<SessionSeal>).predicate;
    this.index.addSeal(position, signed.digest, seal);
    const sealed: StoredSeal = {
      sessionId,
      digest: signed.digest,
      location: locationOf(position),
      count: chain.bundles.length,
      seal,
      text,
      position,
    };
    this.newSeals.set(sessionId, sealed);
    this.chains.delete(sessionId);
    this.handedOver.delete(sessionId);
    this.unsealed.delete(sessionId);
    return sealed;
  }

  /** Continues the chain another assembler began (schemas/handover.ts): its bundles, in chain order, are in
   * that assembler's data directory; this writer's own for the session, if any, follow them. */
  async adoptChain(
    sessionId: string,
    links: readonly { actionId: string; digest: string }[],
  ): Promise<StoredBundle[]> {
    this.handedOver.set(
      sessionId,
      links.map((link, sequence) => ({ sequence, ...link, location: HANDED_OVER })),
    );
    this.chains.delete(sessionId);
    return this.chain(sessionId);
  }

  /** Stages records another writer signed for the session and handed over (it may have died before writing
   * them), those this directory does not hold yet, byte for byte. One that is not a bundle of this session is
   * logged and left out: the verifier then reports the gap it leaves in the chain. */
  async rewrite(
    sessionId: string,
    texts: readonly string[],
  ): Promise<{ bundles: StoredBundle[]; seal: StoredSeal | null }> {
    const written: { bundles: StoredBundle[]; seal: StoredSeal | null } = { bundles: [], seal: null };
    const held = new Set((await this.index.chainOf(sessionId)).map((b) => b.digest));
    for (const text of texts) {
      let parsed: ReturnType<typeof parseStatement>;
      let digest: string;
      try {
        const envelope = JSON.parse(text) as DsseEnvelope;
        if (canonicalize(envelope) !== text || typeof envelope.payload !== 'string')
          throw new Error('not a canonical DSSE envelope');
        const payload = Buffer.from(envelope.payload, 'base64');
        parsed = parseStatement(payload);
        digest = sha256Hex(payload);
        const about =
          parsed.kind === 'action'
            ? parsed.statement.predicate.summary.session_id
            : parsed.statement.predicate.session_id;
        if (about !== sessionId) throw new Error(`a record of session ${about}`);
      } catch (error) {
        this.logger.error(
          { session_id: sessionId, reason: (error as Error).message },
          'a handed-over record is not a bundle of its session: left out',
        );
        continue;
      }
      if (parsed.kind === 'action') {
        if (held.has(digest)) continue;
        const position = this.segments.stage(text);
        this.index.addAction(position, digest, parsed.statement);
        const { manifest, summary } = parsed.statement.predicate;
        written.bundles.push({
          sequence: manifest.sequence,
          actionId: summary.action_id,
          digest,
          location: locationOf(position),
          text,
          position,
        });
      } else if (!(await this.seal(sessionId))) {
        const seal = parsed.statement.predicate;
        const position = this.segments.stage(text);
        this.log.stage(digest);
        this.index.addSeal(position, digest, seal);
        written.seal = {
          sessionId,
          digest,
          location: locationOf(position),
          count: seal.count,
          seal,
          text,
          position,
        };
        this.newSeals.set(sessionId, written.seal);
        this.unsealed.delete(sessionId);
      }
    }
    return written;
  }

  /** Drops what is held for the session (its partition went to another assembler). */
  drop(sessionId: string): void {
    this.chains.delete(sessionId);
    this.handedOver.delete(sessionId);
    this.unsealed.delete(sessionId);
  }

  /** The session is out of memory for now: its chain is read from the index again when next needed. Dropped
   * when the step commits, so a bundle staged in this step is in the index by then. */
  forget(sessionId: string): void {
    this.forgetting.add(sessionId);
  }

  /** Releases the data directory; a second call does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.segments.close();
    await this.release();
  }

  private async commit(): Promise<string | null> {
    await this.segments.commit();
    const logged = await this.log.commit();
    await this.index.flush();
    this.newSeals.clear();
    for (const sessionId of this.forgetting) this.chains.delete(sessionId);
    this.forgetting.clear();
    return logged?.note ?? null;
  }

  private async chainOf(sessionId: string): Promise<Chain> {
    this.forgetting.delete(sessionId);
    let chain = this.chains.get(sessionId);
    if (!chain) {
      const bundles = this.afterHandedOver(sessionId, await this.index.chainOf(sessionId));
      chain = { bundles, byAction: new Map(bundles.map((b) => [b.actionId, b])) };
      this.chains.set(sessionId, chain);
    }
    return chain;
  }

  /** This writer's own bundles of the session after the handed-over ones (a writer that owned the partition
   * before holds some of them itself; one that disagrees with the handed-over chain is logged, not used). */
  private afterHandedOver(sessionId: string, own: readonly StoredBundle[]): StoredBundle[] {
    const prefix = this.handedOver.get(sessionId);
    if (prefix === undefined) return [...own];
    const bundles = [...prefix];
    for (const bundle of own) {
      if (bundle.sequence === bundles.length) bundles.push(bundle);
      else if (bundle.sequence > bundles.length || bundles[bundle.sequence]!.digest !== bundle.digest)
        this.logger.error(
          { session_id: sessionId, sequence: bundle.sequence, digest: bundle.digest },
          'a bundle of this data directory disagrees with the chain handed over: left out of the chain',
        );
    }
    return bundles;
  }

  /** Indexes what the segments hold past what the index has read, and gives the log the leaves of seals a
   * crash kept from it (in the order they were written). */
  private async catchUp(existing: readonly { segment: number; path: string }[]): Promise<void> {
    const indexed = await this.index.indexed();
    const seals: string[] = [];
    for (const { segment, path } of existing) {
      const done = indexed.get(segment);
      const from = done && { offset: done.bytes, line: done.lines + 1 };
      for await (const entry of readSegment(path, segment, { from })) {
        const row = entry.kind === 'record' ? this.indexRecord(entry.text, entry) : undefined;
        // Only a seal this server signed becomes a leaf: one appended to a segment by someone else stays out
        // of the log, where the verifier's log_inclusion reports it.
        if (row?.kind === 'seal' && row.signedHere) seals.push(row.digest);
        if (!row) {
          this.index.passed(entry);
          this.logger.error(
            { location: locationOf(entry), kind: entry.kind },
            'a segment record the store cannot read: left for the verifier to report',
          );
        }
      }
    }
    for (const digest of seals) if (!this.log.inTail(digest, seals.length)) this.log.stage(digest);
    await this.commit();
  }

  /** Adds a record's index row; undefined when it is not a well-formed bundle statement. */
  private indexRecord(
    text: string,
    position: SegmentPosition,
  ): { kind: 'action' | 'seal'; digest: string; signedHere: boolean } | undefined {
    try {
      const record = decodeRecord(text);
      const payload = Buffer.from(record.envelope.payload, 'base64');
      const parsed = parseStatement(payload);
      if (parsed.kind === 'action') this.index.addAction(position, record.digest, parsed.statement);
      else this.index.addSeal(position, record.digest, parsed.statement.predicate);
      const signed = preAuthEncoding(record.envelope.payloadType, payload);
      const signedHere = record.envelope.signatures.some((s) => verifies(signed, this.publicKey, s.sig));
      return { kind: parsed.kind, digest: record.digest, signedHere };
    } catch {
      return undefined;
    }
  }
}

function verifies(data: Buffer, key: KeyObject, signature: string): boolean {
  try {
    return verify(null, data, key, Buffer.from(signature, 'base64'));
  } catch {
    // A signature of the wrong length makes node throw: it is just as invalid.
    return false;
  }
}
