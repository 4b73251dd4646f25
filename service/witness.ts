// Publishing the transparency log's signed checkpoints outside the data directory (README, "Trust roots"):
// what has been published there cannot be rewritten by whoever holds the data directory and the signing key,
// so a deleted, truncated or re-sealed session shows against it. Three witnesses, composed here:
// - a path given by --witness, on another mount or owned by another user: a directory keeps every checkpoint
//   as its own file (`<size>.checkpoint`, created once, never replaced); a file holds the latest and is never
//   replaced by a smaller one;
// - the Kafka topic `<prefix>.checkpoints` when Kafka is the transport;
// - the server's log (one line per checkpoint), wherever its logs are shipped.
// Publishing never goes backwards from the server's side, and at start the log must extend what the path
// witness holds: a server that finds its own log rewritten refuses to sign over it.
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import type { Logger } from 'pino';

import { writeFileDurably } from '../assembler/durable-file.js';
import type { TransparencyLog } from '../assembler/transparency-log.js';
import { parseCheckpoint } from '../schemas/checkpoint.js';
import { ProoflineError } from '../schemas/errors.js';
import { noteBody } from '../schemas/tlog.js';

export interface Witness {
  readonly name: string;
  /** The newest checkpoint this witness holds, when it can be read back. */
  latest(): Promise<string | undefined>;
  publish(origin: string, note: string): Promise<void>;
}

/** A witness refused a checkpoint: publishing it would rewrite what it already holds. */
export class WitnessRefusedError extends ProoflineError<'WITNESS_REFUSED'> {
  constructor(message: string) {
    super('WITNESS_REFUSED', message);
  }
}

const CHECKPOINT_SUFFIX = '.checkpoint';

function sizeOf(note: string): number {
  return parseCheckpoint(noteBody(note) ?? '').size;
}

/** `--witness PATH`: a directory that keeps every checkpoint, or a file that keeps the latest. */
export async function pathWitness(path: string): Promise<Witness> {
  const isDir = (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
  return isDir ? directoryWitness(path) : fileWitness(path);
}

function directoryWitness(dir: string): Witness {
  const fileFor = (size: number) => join(dir, `${String(size).padStart(15, '0')}${CHECKPOINT_SUFFIX}`);
  return {
    name: `witness directory ${dir}`,
    async latest() {
      const names = (await readdir(dir)).filter((n) => /^\d{15}\.checkpoint$/.test(n)).sort();
      const last = names.at(-1);
      return last === undefined ? undefined : readFile(join(dir, last), 'utf8');
    },
    async publish(_origin, note) {
      const file = fileFor(sizeOf(note));
      try {
        await writeFileDurably(file, note, { mode: 0o644, replace: false });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        // The same size published again (a restart) is fine; a different tree of that size is a fork.
        if ((await readFile(file, 'utf8')) !== note)
          throw new WitnessRefusedError(
            `${file} holds a different checkpoint of the same size: the log forked`,
          );
      }
    },
  };
}

function fileWitness(file: string): Witness {
  const read = () =>
    readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
  return {
    name: `witness file ${file}`,
    latest: read,
    async publish(_origin, note) {
      const held = await read();
      if (held !== undefined && sizeOf(held) > sizeOf(note))
        throw new WitnessRefusedError(
          `${file} holds a checkpoint of ${sizeOf(held)} seals; refusing to replace it with one of ${sizeOf(note)}`,
        );
      await mkdir(join(file, '..'), { recursive: true });
      await writeFileDurably(file, note, { mode: 0o644, replace: true });
    },
  };
}

export function kafkaWitness(
  topic: string,
  publish: (origin: string, note: string) => Promise<void>,
): Witness {
  return { name: `Kafka topic ${topic}`, latest: async () => undefined, publish };
}

export function logWitness(logger: Pick<Logger, 'info'>): Witness {
  return {
    name: 'server log',
    latest: async () => undefined,
    async publish(origin, note) {
      logger.info({ origin, checkpoint: note }, 'transparency log checkpoint');
    },
  };
}

/** Hands each checkpoint to every witness. A witness that fails is logged and tried again with the next
 * checkpoint (which covers everything this one did): evidence keeps being written meanwhile. */
export class CheckpointPublisher {
  constructor(
    private readonly log: TransparencyLog,
    private readonly witnesses: readonly Witness[],
    private readonly logger: Pick<Logger, 'error'>,
  ) {}

  /** Throws (TLOG_INCONSISTENT) when the log does not extend what a witness holds. */
  async checkWitnesses(): Promise<void> {
    for (const witness of this.witnesses) {
      const held = await witness.latest();
      if (held !== undefined)
        this.log.assertConsistentWith(held, `the checkpoint held by the ${witness.name}`);
    }
  }

  async publish(note: string): Promise<void> {
    for (const witness of this.witnesses) {
      try {
        await witness.publish(this.log.origin, note);
      } catch (error) {
        this.logger.error({ err: error, witness: witness.name }, 'checkpoint not published to a witness');
      }
    }
  }
}
