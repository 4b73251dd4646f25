// Segments: how a data directory keeps its signed bundles and seals (ARCHITECTURE.md §5, "Data directory").
// `<data>/segments/NNNNNN.jsonl`, numbered in the order they were started; each line is one DSSE envelope as
// canonical JSON (which has no raw newline), the same bytes an exported `.dsse.json` file holds before its
// final newline. Segments are only ever appended to, by one writer at a time, one write and one fsync per
// batch of bundles; nothing unsigned is in them, so a record means exactly what its signed statement says.
//
// Reading is bounded whatever the file holds: a record longer than `maxRecordBytes` is reported and skipped
// without being held in memory, and a last line without its newline (a write cut short) is reported as torn.
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import {
  predicateKind,
  type ActionProof,
  type DsseEnvelope,
  type SessionSeal,
  type Statement,
} from './bundle.js';
import { sha256Hex } from './digest.js';

export const SEGMENTS_DIR = 'segments';

/** A record (one envelope) larger than this is refused by the writer and reported by readers. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

const SEGMENT_NAME = /^(\d{6,15})\.jsonl$/;

export function segmentFileName(segment: number): string {
  return `${String(segment).padStart(6, '0')}.jsonl`;
}

/** The segment's number, or undefined for a name that is not a segment's. */
export function segmentNumber(name: string): number | undefined {
  const match = SEGMENT_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Where a record sits: its segment, its 1-based line, and the byte range of the line (newline excluded). */
export interface SegmentPosition {
  segment: number;
  line: number;
  offset: number;
  /** Byte offset just past the record's newline: where the next record starts. */
  end: number;
}

export type SegmentEntry =
  | ({ kind: 'record'; text: string } & SegmentPosition)
  /** A line longer than the cap: skipped, never read into memory whole. */
  | ({ kind: 'too_long'; bytes: number } & SegmentPosition)
  /** Bytes after the last newline: a record whose write did not finish (or was cut). */
  | ({ kind: 'torn'; bytes: number } & SegmentPosition);

export interface ReadSegmentOptions {
  /** Start here (a record boundary, e.g. a previous read's `end`), counting lines from `line`. */
  from?: { offset: number; line: number };
  maxRecordBytes?: number;
}

const CHUNK_BYTES = 1024 * 1024;

/** The entries of one segment file in order. */
export async function* readSegment(
  path: string,
  segment: number,
  options: ReadSegmentOptions = {},
): AsyncGenerator<SegmentEntry> {
  const max = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(CHUNK_BYTES);
    let position = options.from?.offset ?? 0;
    let line = options.from?.line ?? 1;
    /** The current line's bytes so far (dropped once it is known to be too long). */
    let parts: Buffer[] = [];
    let lineStart = position;
    let lineBytes = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) break;
      let from = 0;
      for (;;) {
        const newline = chunk.indexOf(0x0a, from);
        const stop = newline < 0 || newline >= bytesRead ? bytesRead : newline;
        lineBytes += stop - from;
        if (lineBytes <= max) parts.push(Buffer.from(chunk.subarray(from, stop)));
        else parts = [];
        if (stop === bytesRead) break;
        const at = { segment, line, offset: lineStart, end: lineStart + lineBytes + 1 };
        yield lineBytes <= max
          ? { kind: 'record', text: Buffer.concat(parts).toString('utf8'), ...at }
          : { kind: 'too_long', bytes: lineBytes, ...at };
        line += 1;
        lineStart = at.end;
        lineBytes = 0;
        parts = [];
        from = stop + 1;
      }
      position += bytesRead;
    }
    if (lineBytes > 0)
      yield { kind: 'torn', bytes: lineBytes, segment, line, offset: lineStart, end: lineStart + lineBytes };
  } finally {
    await handle.close();
  }
}

/** The segment files of a data directory, in order (none when it has no segments folder). */
export async function listSegments(dataDir: string): Promise<{ segment: number; path: string }[]> {
  const dir = join(dataDir, SEGMENTS_DIR);
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return names
    .map((name) => ({ segment: segmentNumber(name), path: join(dir, name) }))
    .filter((s): s is { segment: number; path: string } => s.segment !== undefined)
    .sort((a, b) => a.segment - b.segment);
}

/** A record read back without verification (what to trust is the reader's choice; `proofline verify` checks). */
export interface DecodedRecord {
  envelope: DsseEnvelope;
  statement: Statement<ActionProof | SessionSeal>;
  kind: 'action' | 'seal';
  /** sha256 of the payload bytes: the bundle digest. */
  digest: string;
  /** The envelope's canonical JSON: the record's bytes, and an exported file's before its newline. */
  text: string;
}

/** Decodes one record; throws on anything that is not an envelope over a bundle statement. */
export function decodeRecord(text: string): DecodedRecord {
  const envelope = JSON.parse(text) as DsseEnvelope;
  if (typeof envelope?.payload !== 'string') throw new TypeError('not a DSSE envelope');
  const payload = Buffer.from(envelope.payload, 'base64');
  const statement = JSON.parse(payload.toString('utf8')) as DecodedRecord['statement'];
  const kind = predicateKind(statement?.predicateType);
  if (kind === undefined) throw new TypeError('not a bundle statement');
  return { envelope, statement, kind, digest: sha256Hex(payload), text };
}

/** Every record of a data directory's segments, decoded, in the order written; a broken record throws. A torn
 * last line is not a record yet (a write in progress, or one a crash cut short) and is passed over. */
export async function* readRecords(
  dataDir: string,
): AsyncGenerator<DecodedRecord & { path: string; position: SegmentPosition }> {
  for (const { segment, path } of await listSegments(dataDir))
    for await (const entry of readSegment(path, segment)) {
      if (entry.kind === 'torn') continue;
      if (entry.kind !== 'record') throw new TypeError(`${path}:${entry.line}: ${entry.kind} record`);
      const { segment: at, line, offset, end } = entry;
      yield { ...decodeRecord(entry.text), path, position: { segment: at, line, offset, end } };
    }
}
