// Where a data directory keeps its transparency log over sealed sessions (schemas/checkpoint.md), and how its
// files read: `<data>/tlog/origin` (the log's origin line), `leaves` (one lower-case hex seal digest per line,
// in the order the seals were written), `checkpoint` (the latest signed checkpoint, a C2SP signed note).
// Shared by the writer (assembler/transparency-log.ts) and the verifier, which read them the same way.
import { randomBytes } from 'node:crypto';

export const TLOG_DIR = 'tlog';
export const ORIGIN_FILE = 'origin';
export const LEAVES_FILE = 'leaves';
export const CHECKPOINT_FILE = 'checkpoint';

export const ORIGIN_PREFIX = 'proofline.dev/tlog/';
const ORIGIN = /^proofline\.dev\/tlog\/[0-9a-f]{32}$/;

/** A new log's origin: a random log id, never derived from a key, so a key rotation keeps the log's identity. */
export function newLogOrigin(): string {
  return `${ORIGIN_PREFIX}${randomBytes(16).toString('hex')}`;
}

export function isLogOrigin(text: string): boolean {
  return ORIGIN.test(text);
}

/** Bytes per leaf line: 64 hex digits and a newline. */
export const LEAF_LINE_BYTES = 65;
const LEAF_LINE = /^[0-9a-f]{64}$/;

export interface ParsedLeaves {
  /** The hex digests of the complete, well-formed lines, in order. */
  leaves: string[];
  /** 1-based line numbers of lines that are not a lower-case hex sha256 digest. */
  malformed: number[];
  /** Bytes after the last newline (an append cut short). */
  tornBytes: number;
}

/** Reads a leaves file's text; the caller bounds its size (LEAF_LINE_BYTES per leaf). */
export function parseLeaves(text: string): ParsedLeaves {
  const end = text.lastIndexOf('\n') + 1;
  const lines = end === 0 ? [] : text.slice(0, end - 1).split('\n');
  const malformed: number[] = [];
  lines.forEach((line, i) => {
    if (!LEAF_LINE.test(line)) malformed.push(i + 1);
  });
  return { leaves: lines, malformed, tornBytes: text.length - end };
}

/** The body of a signed note (its text, final newline included), without checking any signature. */
export function noteBody(note: string): string | undefined {
  const blank = note.indexOf('\n\n');
  return blank < 0 ? undefined : note.slice(0, blank + 1);
}
