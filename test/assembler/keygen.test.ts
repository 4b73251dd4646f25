import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { KeyExistsError } from '../../assembler/errors.js';
import { keygen, loadSigner } from '../../assembler/keygen.js';
import { keyIdOf, PRIVATE_KEY_FILE, PUBLIC_KEY_SET_FILE, type PublicKeySet } from '../../schemas/keys.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'proofline-keys-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const readSet = async (dir: string) =>
  JSON.parse(await readFile(join(dir, PUBLIC_KEY_SET_FILE), 'utf8')) as PublicKeySet;

describe('keygen', () => {
  it('writes an owner-only private key in an owner-only directory, and a public key set with its keyid', async () => {
    const dir = join(root, 'keys');
    const made = await keygen(dir);
    expect(made.privateKeyPath).toBe(join(dir, PRIVATE_KEY_FILE));
    expect((await stat(made.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const set = await readSet(dir);
    expect(set.keys).toHaveLength(1);
    expect(set.keys[0]).toMatchObject({ keyid: made.keyid, alg: 'ed25519' });
    expect(keyIdOf(createPublicKey(set.keys[0]!.public_key))).toBe(made.keyid);
  });

  it('refuses to overwrite a key unless forced; forcing keeps the old public key trusted', async () => {
    const first = await keygen(root);
    const before = await readFile(first.privateKeyPath, 'utf8');
    await expect(keygen(root)).rejects.toBeInstanceOf(KeyExistsError);
    await expect(keygen(root)).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    expect(await readFile(first.privateKeyPath, 'utf8')).toBe(before);
    const second = await keygen(root, { force: true });
    expect(second.keyid).not.toBe(first.keyid);
    expect((await stat(second.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect((await readSet(root)).keys.map((k) => k.keyid)).toEqual([first.keyid, second.keyid]);
  });

  it('loadSigner creates a key on first use and reuses it after', async () => {
    const dir = join(root, 'lazy');
    const signer = await loadSigner(dir);
    expect((await stat(join(dir, PRIVATE_KEY_FILE))).mode & 0o777).toBe(0o600);
    const again = await loadSigner(dir);
    expect(again.keyid).toBe(signer.keyid);
    const message = Buffer.from('proofline');
    const key = createPublicKey((await readSet(dir)).keys[0]!.public_key);
    expect(verify(null, message, key, Buffer.from(signer.sign(message), 'base64'))).toBe(true);
  });
});
