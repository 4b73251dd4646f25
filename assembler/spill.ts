// Where a quiet open session's records wait while it is out of memory: one gzip file per spill under
// `<data>/spill/`, named by a counter (session ids come from the wire and never name a file). What stays in
// memory is the ticket: the file's number and the SHA-256 of its bytes. A file that was altered or removed
// while out (the agent being governed may have a shell on this machine) fails the digest check on reload, and
// the assembler quarantines that session rather than bundle what it did not receive. The files are a cache, not
// a log: nothing is committed past a spilled session's records (assembler.ts, commit rule), so after a restart
// the transport redelivers them and open() starts from an empty directory.
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';

import type { Observation } from '../schemas/observation.js';
import { SpillTamperedError } from './errors.js';
import type { HeldRecord } from './session.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const SPILL_DIR = 'spill';

export interface SpillTicket {
  file: number;
  digest: Buffer;
}

/** What a session needs back when it is reloaded. */
export interface SpilledState {
  records: HeldRecord[];
  bundledActions: string[];
  /** The nodes its bundles list (session.ts#listedNodes). */
  listedNodes: [string, string][];
}

interface SpillFile {
  bundled: string[];
  listed: [string, string][];
  /** [partition, offset, observation] */
  records: [number, string, Observation][];
}

export class SessionSpill {
  private next = 0;

  private constructor(private readonly dir: string) {}

  /** Empties what an earlier process left (its sessions are redelivered by the transport). */
  static async open(dataDir: string): Promise<SessionSpill> {
    const dir = join(dataDir, SPILL_DIR);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new SessionSpill(dir);
  }

  async write(state: SpilledState): Promise<SpillTicket> {
    const content: SpillFile = {
      bundled: state.bundledActions,
      listed: state.listedNodes,
      records: state.records.map((r) => [r.partition, r.offset.toString(), r.observation]),
    };
    const bytes = await gzipAsync(JSON.stringify(content), { level: 1 });
    const file = this.next++;
    // Never through a file someone put there first (a symlink planted where the next spill goes would have it
    // overwrite the link's target): that spill fails, and the session stays in memory.
    await writeFile(this.path(file), bytes, { mode: 0o600, flag: 'wx' });
    return { file, digest: sha256(bytes) };
  }

  /** Reads the spill back and removes its file; throws SpillTamperedError when it is not what was written. */
  async read(ticket: SpillTicket): Promise<SpilledState> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path(ticket.file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new SpillTamperedError('removed');
    }
    if (!timingSafeEqual(sha256(bytes), ticket.digest)) throw new SpillTamperedError('altered');
    const content = JSON.parse((await gunzipAsync(bytes)).toString('utf8')) as SpillFile;
    await this.drop(ticket);
    return {
      bundledActions: content.bundled,
      listedNodes: content.listed,
      records: content.records.map(([partition, offset, observation]) => ({
        partition,
        offset: BigInt(offset),
        observation,
      })),
    };
  }

  async drop(ticket: SpillTicket): Promise<void> {
    await rm(this.path(ticket.file), { force: true });
  }

  private path(file: number): string {
    return join(this.dir, `${file}.json.gz`);
  }
}

function sha256(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}
