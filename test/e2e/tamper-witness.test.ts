// The witness side of the tamper suite, and the server's own refusals: a witness directory keeps every
// checkpoint and refuses a fork, a witness file never goes backwards, and a server whose log no longer
// extends what its witness holds (or its own last checkpoint) refuses to start rather than sign over it.
// Also: a pre-existing data directory is tightened, and --allow-insecure-key is recorded in every bundle.
import { chmod, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { TransparencyLogError } from '../../assembler/errors.js';
import { keygen } from '../../assembler/keygen.js';
import type { ActionProof, SessionSeal } from '../../schemas/bundle.js';
import { CHECKPOINT_FILE, TLOG_DIR } from '../../schemas/tlog.js';
import { startPipeline } from '../../service/embedded.js';
import { pathWitness, WitnessRefusedError } from '../../service/witness.js';
import { freshDataDir, readBundles, replay } from './support.js';

async function sealOnce(dataDir: string, witness: string, options: { allowInsecureKey?: boolean } = {}) {
  const pipeline = await startPipeline({ dataDir, ingest: { port: 0 }, assembler: { witness, ...options } });
  try {
    await replay(pipeline, 'binary_allow');
    await pipeline.flush();
  } finally {
    await pipeline.close();
  }
}

describe('witnesses', () => {
  it('a witness directory keeps every checkpoint the server published, and the newest is the log’s own', async () => {
    const root = await freshDataDir('proofline-witness-');
    const witness = join(root, 'witness');
    await mkdir(witness);
    await sealOnce(join(root, 'data'), witness);
    const kept = (await readdir(witness)).sort();
    // The empty log's checkpoint at start, then the one after the session was sealed.
    expect(kept).toEqual(['000000000000000.checkpoint', '000000000000001.checkpoint']);
    expect(await readFile(join(witness, kept[1]!), 'utf8')).toBe(
      await readFile(join(root, 'data', TLOG_DIR, CHECKPOINT_FILE), 'utf8'),
    );
  });

  it('a witness directory refuses a different checkpoint of a size it already holds (a fork)', async () => {
    const root = await freshDataDir('proofline-witness-fork-');
    const witness = join(root, 'witness');
    await mkdir(witness);
    await sealOnce(join(root, 'a'), witness);
    const held = await readFile(join(witness, '000000000000001.checkpoint'), 'utf8');
    const other = join(root, 'b');
    await sealOnce(other, join(root, 'other-witness'));
    const fork = await readFile(join(other, TLOG_DIR, CHECKPOINT_FILE), 'utf8');
    const dirWitness = await pathWitness(witness);
    await expect(dirWitness.publish('origin', fork)).rejects.toBeInstanceOf(WitnessRefusedError);
    await dirWitness.publish('origin', held);
    expect(await readFile(join(witness, '000000000000001.checkpoint'), 'utf8')).toBe(held);
  });

  it('a witness file is never replaced by a smaller checkpoint', async () => {
    const root = await freshDataDir('proofline-witness-file-');
    const file = join(root, 'latest.checkpoint');
    await sealOnce(join(root, 'data'), file);
    const newest = await readFile(file, 'utf8');
    const fileWitness = await pathWitness(file);
    expect(newest).toBe(await readFile(join(root, 'data', TLOG_DIR, CHECKPOINT_FILE), 'utf8'));
    const smaller = newest.replace(/\n1\n/, '\n0\n');
    await expect(fileWitness.publish('origin', smaller)).rejects.toBeInstanceOf(WitnessRefusedError);
    expect(await readFile(file, 'utf8')).toBe(newest);
  });

  it('the server refuses to start on a data directory whose log does not extend what the witness holds', async () => {
    const root = await freshDataDir('proofline-witness-refuse-');
    const witness = join(root, 'witness');
    await mkdir(witness);
    const data = join(root, 'data');
    await sealOnce(data, witness);
    // The agent deletes the data directory (keeping the key), and the server starts over with a fresh log.
    await rm(join(data, TLOG_DIR), { recursive: true });
    await rm(join(data, 'segments'), { recursive: true });
    await expect(
      startPipeline({ dataDir: data, ingest: { port: 0 }, assembler: { witness } }),
    ).rejects.toBeInstanceOf(TransparencyLogError);
  });

  it('refuses a witness inside the data directory', async () => {
    const data = await freshDataDir('proofline-witness-inside-');
    await expect(
      startPipeline({ dataDir: data, ingest: { port: 0 }, assembler: { witness: join(data, 'witness') } }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('the server and its data directory', () => {
  it('tightens a pre-existing data directory to owner-only', async () => {
    const data = await freshDataDir('proofline-wide-');
    await chmod(data, 0o755);
    await sealOnce(data, join(await freshDataDir('proofline-w-'), 'w'));
    expect((await stat(data)).mode & 0o777).toBe(0o700);
    expect((await stat(join(data, 'keys'))).mode & 0o777).toBe(0o700);
  });

  it('with --allow-insecure-key, signs with a group-readable key and records it in every bundle and seal', async () => {
    const data = await freshDataDir('proofline-insecure-');
    const made = await keygen(join(data, 'keys'));
    await chmod(made.privateKeyPath, 0o640);
    await sealOnce(data, join(await freshDataDir('proofline-w-'), 'w'), { allowInsecureKey: true });
    const files = await readBundles(data);
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      const predicate = file.statement.predicate as ActionProof & SessionSeal;
      expect(file.kind === 'seal' ? predicate.insecure_key : predicate.manifest.insecure_key).toBe(true);
    }
  });
});
