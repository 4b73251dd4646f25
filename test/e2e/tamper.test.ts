// Tampering with what the real pipeline wrote: any changed byte in a payload or a signature, a removed
// bundle, or a key the verifier does not trust must fail `proofline verify`.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { keygen } from '../../assembler/keygen.js';
import { runVerify } from '../../verifier/verify-command.js';
import {
  captureOutput,
  DENY_POLICY,
  freshDataDir,
  readBundles,
  replay,
  startTestPipeline,
} from './support.js';

let pristine: string;

beforeAll(async () => {
  const pipeline = await startTestPipeline();
  await replay(pipeline, 'binary_allow');
  await replay(pipeline, 'binary_deny', DENY_POLICY);
  await pipeline.flush();
  await pipeline.close();
  pristine = pipeline.dataDir;
});

async function copyOfData(): Promise<string> {
  const dir = await freshDataDir('proofline-tamper-');
  await cp(pristine, dir, { recursive: true });
  return dir;
}

async function verify(dataDir: string, keys = join(dataDir, 'keys', 'public-keys.json')) {
  const output = captureOutput();
  const exitCode = await runVerify(
    { paths: [join(dataDir, 'bundles')], keys, minCompleteness: 0, format: 'json' },
    output.out,
  );
  const failed = (JSON.parse(output.stdout()) as { checks: { check_name: string; status: string }[] }).checks
    .filter((c) => c.status === 'fail')
    .map((c) => c.check_name);
  return { exitCode, failed };
}

async function firstActionBundle(dataDir: string): Promise<string> {
  return (await readBundles(dataDir)).find((f) => !f.path.endsWith('seal.dsse.json'))!.path;
}

describe('tampering with real bundles', () => {
  it('the untouched data verifies', async () => {
    expect(await verify(await copyOfData())).toEqual({ exitCode: 0, failed: [] });
  });

  it.each([0.1, 0.5, 0.9])('a changed byte at %f of the payload fails the signature', async (at) => {
    const dir = await copyOfData();
    const file = await firstActionBundle(dir);
    const envelope = JSON.parse(await readFile(file, 'utf8')) as { payload: string };
    const payload = Buffer.from(envelope.payload, 'base64');
    const i = Math.floor(payload.length * at);
    payload[i] = payload[i]! ^ 0x01;
    await writeFile(file, JSON.stringify({ ...envelope, payload: payload.toString('base64') }));
    const result = await verify(dir);
    expect(result.exitCode).toBe(1);
    expect(result.failed).toContain('signature');
  });

  it('a changed byte in the signature fails', async () => {
    const dir = await copyOfData();
    const file = await firstActionBundle(dir);
    const envelope = JSON.parse(await readFile(file, 'utf8')) as {
      signatures: { keyid: string; sig: string }[];
    };
    const sig = Buffer.from(envelope.signatures[0]!.sig, 'base64');
    sig[7] = sig[7]! ^ 0x80;
    envelope.signatures[0]!.sig = sig.toString('base64');
    await writeFile(file, JSON.stringify(envelope));
    const result = await verify(dir);
    expect(result.exitCode).toBe(1);
    expect(result.failed).toContain('signature');
  });

  it('a removed bundle fails the session seal', async () => {
    const dir = await copyOfData();
    await rm(await firstActionBundle(dir));
    const result = await verify(dir);
    expect(result.exitCode).toBe(1);
    expect(result.failed).toContain('session_seal');
  });

  it('bundles signed by a key the verifier does not trust fail', async () => {
    const dir = await copyOfData();
    const other = await keygen(join(await freshDataDir('proofline-other-key-'), 'keys'));
    const result = await verify(dir, other.publicKeySetPath);
    expect(result.exitCode).toBe(1);
    expect(result.failed).toContain('signature');
  });
});
