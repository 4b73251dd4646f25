// Appends records to this writer's own segment (schemas/segment.ts): records are staged in memory and written
// with one write and one fdatasync per commit, whatever their number, which is what makes many small bundles
// cheap to keep durably. Each writer run starts a new segment; the previous run's last segment is first cut
// back to its last complete record, since a crash mid-write leaves a torn line that was never acknowledged.
import { mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import {
  MAX_RECORD_BYTES,
  readSegment,
  SEGMENTS_DIR,
  segmentFileName,
  segmentNumber,
  type SegmentPosition,
} from '../schemas/segment.js';
import { syncDirectory } from './durable-file.js';
import { BundleStoreCorruptError } from './errors.js';

/** A segment is closed and the next one started once it holds this much. */
const ROLL_BYTES = 64 * 1024 * 1024;

export interface SegmentWriterOpened {
  writer: SegmentWriter;
  /** The segments that already existed, in order: what the index may still have to read. */
  existing: { segment: number; path: string }[];
  /** Bytes cut from the end of the last existing segment (a record whose write a crash cut short). */
  tornBytesCut: number;
}

export class SegmentWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingLines = 0;

  private constructor(
    readonly dir: string,
    private handle: FileHandle,
    private segment: number,
    private size: number,
    private lines: number,
  ) {}

  static async open(dataDir: string): Promise<SegmentWriterOpened> {
    const dir = join(dataDir, SEGMENTS_DIR);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const existing = (await readdir(dir))
      .map((name) => ({ segment: segmentNumber(name), path: join(dir, name) }))
      .filter((s): s is { segment: number; path: string } => s.segment !== undefined)
      .sort((a, b) => a.segment - b.segment);
    const last = existing.at(-1);
    const tornBytesCut = last ? await cutTornTail(last.path, last.segment) : 0;
    const segment = (last?.segment ?? 0) + 1;
    const handle = await open(join(dir, segmentFileName(segment)), 'wx', 0o600);
    await syncDirectory(dir);
    return { writer: new SegmentWriter(dir, handle, segment, 0, 0), existing, tornBytesCut };
  }

  /** Queues a record (one line, no newline in it) for the next commit; returns where it will be. */
  stage(text: string): SegmentPosition {
    const bytes = Buffer.from(`${text}\n`, 'utf8');
    if (bytes.length - 1 > MAX_RECORD_BYTES || text.includes('\n'))
      throw new BundleStoreCorruptError(this.dir, `a record of ${bytes.length} bytes cannot be stored`);
    const offset = this.size + this.pendingBytes;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.pendingLines += 1;
    return {
      segment: this.segment,
      line: this.lines + this.pendingLines,
      offset,
      end: offset + bytes.length,
    };
  }

  get staged(): number {
    return this.pendingLines;
  }

  /** Writes what was staged and makes it durable; starts the next segment when this one is full. */
  async commit(): Promise<void> {
    if (this.pendingLines === 0) return;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await this.handle.write(
        data,
        written,
        data.length - written,
        this.size + written,
      );
      written += bytesWritten;
    }
    await this.handle.datasync();
    this.size += data.length;
    this.lines += this.pendingLines;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingLines = 0;
    if (this.size >= ROLL_BYTES) await this.roll();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async roll(): Promise<void> {
    await this.handle.close();
    this.segment += 1;
    this.handle = await open(join(this.dir, segmentFileName(this.segment)), 'wx', 0o600);
    await syncDirectory(this.dir);
    this.size = 0;
    this.lines = 0;
  }
}

/** Truncates a torn last line; returns how many bytes it cut. */
async function cutTornTail(path: string, segment: number): Promise<number> {
  let torn: { offset: number; bytes: number } | undefined;
  for await (const entry of readSegment(path, segment, { maxRecordBytes: 0 }))
    if (entry.kind === 'torn') torn = entry;
  if (!torn) return 0;
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(torn.offset);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return torn.bytes;
}
