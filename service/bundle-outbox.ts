// Bundles go to the data directory first (the source of truth) and then to a sink (the bundles topic). A crash
// between the two would leave the topic without them, and the restarted assembler never bundles those actions
// again. The outbox remembers, in the assembler's own DuckDB file, how far into each segment the sink has
// acknowledged, and on start sends everything after that. Segments are append-only and written in order, so
// that position says exactly what was sent: nothing is skipped, and nothing is sent twice except a batch the
// sink took just before a crash (consumers de-duplicate by bundle digest).
import type { DuckDBConnection } from '@duckdb/node-api';

import type { StoredBundle, StoredSeal } from '../assembler/bundle-store.js';
import {
  actionBundleFileName,
  SEAL_FILE_NAME,
  type ActionProof,
  type DsseEnvelope,
  type SessionSeal,
} from '../schemas/bundle.js';
import {
  decodeRecord,
  listSegments,
  readSegment,
  type DecodedRecord,
  type SegmentPosition,
} from '../schemas/segment.js';

export interface SinkBundle {
  sessionId: string;
  /** The name `proofline export` gives it, so a consumer can store it as a file. */
  fileName: string;
  envelope: DsseEnvelope;
}

export type BundleSink = (bundles: SinkBundle[]) => Promise<void>;

interface Outgoing {
  bundle: SinkBundle;
  position: SegmentPosition;
}

/** Records per sink call while catching up. */
const BATCH = 500;

export class BundleOutbox {
  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly dataDir: string,
    private readonly sink: BundleSink,
  ) {}

  static async open(connection: DuckDBConnection, dataDir: string, sink: BundleSink): Promise<BundleOutbox> {
    await connection.run(
      'CREATE TABLE IF NOT EXISTS bundle_outbox (segment INTEGER PRIMARY KEY, sent_bytes BIGINT, sent_lines INTEGER)',
    );
    return new BundleOutbox(connection, dataDir, sink);
  }

  /** Hands a step's bundles and seals (in the order written) to the sink, and records how far it got. */
  async send(written: readonly ((StoredBundle & { sessionId: string }) | StoredSeal)[]): Promise<void> {
    await this.deliver(written.map(outgoing));
  }

  /** Sends every record the sink has not acknowledged, in the order written; returns how many. */
  async sendPending(): Promise<number> {
    const sent = new Map(
      (await this.connection.runAndReadAll('SELECT * FROM bundle_outbox'))
        .getRowObjects()
        .map((r) => [Number(r.segment), { offset: Number(r.sent_bytes), line: Number(r.sent_lines) + 1 }]),
    );
    let count = 0;
    let batch: Outgoing[] = [];
    for (const { segment, path } of await listSegments(this.dataDir)) {
      for await (const entry of readSegment(path, segment, { from: sent.get(segment) })) {
        // What cannot be read is not a bundle to hand on; the verifier reports it.
        if (entry.kind !== 'record') continue;
        try {
          batch.push({ bundle: sinkBundle(decodeRecord(entry.text)), position: entry });
        } catch {
          continue;
        }
        if (batch.length >= BATCH) {
          await this.deliver(batch);
          count += batch.length;
          batch = [];
        }
      }
    }
    await this.deliver(batch);
    return count + batch.length;
  }

  /** Records handed to the sink and not acknowledged yet (a sink that is away keeps its step retrying). */
  pending = 0;

  private async deliver(batch: readonly Outgoing[]): Promise<void> {
    if (batch.length === 0) return;
    this.pending = batch.length;
    await this.sink(batch.map((o) => o.bundle));
    this.pending = 0;
    const reached = new Map<number, SegmentPosition>();
    for (const { position } of batch) {
      const current = reached.get(position.segment);
      if (!current || position.end > current.end) reached.set(position.segment, position);
    }
    for (const [segment, { end, line }] of reached)
      await this.connection.run(
        `INSERT INTO bundle_outbox VALUES ($1, $2, $3)
         ON CONFLICT (segment) DO UPDATE SET sent_bytes = excluded.sent_bytes, sent_lines = excluded.sent_lines`,
        [segment, end, line],
      );
  }
}

function outgoing(written: (StoredBundle & { sessionId: string }) | StoredSeal): Outgoing {
  if (written.text === undefined || written.position === undefined)
    throw new TypeError(`${written.location} was not written by this process`);
  const envelope = JSON.parse(written.text) as DsseEnvelope;
  const fileName =
    'sequence' in written ? actionBundleFileName(written.sequence, written.actionId) : SEAL_FILE_NAME;
  return { bundle: { sessionId: written.sessionId, fileName, envelope }, position: written.position };
}

function sinkBundle(record: DecodedRecord): SinkBundle {
  const { envelope } = record;
  if (record.kind === 'seal') {
    const seal = record.statement.predicate as SessionSeal;
    return { sessionId: seal.session_id, fileName: SEAL_FILE_NAME, envelope };
  }
  const { summary, manifest } = record.statement.predicate as ActionProof;
  return {
    sessionId: summary.session_id,
    fileName: actionBundleFileName(manifest.sequence, summary.action_id),
    envelope,
  };
}
