// The signing key (ARCHITECTURE.md §5): an Ed25519 private key in PKCS#8 PEM, readable by its owner only, next to
// the public key set a verifier trusts. Replacing a key keeps the old public keys in the set, so bundles
// signed before a rotation still verify.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { PRIVATE_KEY_FILE, PUBLIC_KEY_SET_FILE, publicKeyEntry, type PublicKeySet } from '../schemas/keys.js';
import { writeFileDurably } from './durable-file.js';
import { KeyExistsError, KeyInsecureError, KeyInvalidError } from './errors.js';
import { signerFromPrivateKey, type Signer } from './sign.js';

export interface KeygenResult {
  keyid: string;
  privateKeyPath: string;
  publicKeySetPath: string;
}

export async function keygen(outDir: string, opts: { force?: boolean } = {}): Promise<KeygenResult> {
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const privateKeyPath = join(outDir, PRIVATE_KEY_FILE);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await writeFileDurably(privateKeyPath, privatePem, { mode: 0o600, replace: opts.force === true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new KeyExistsError(privateKeyPath);
    throw error;
  }
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const { keyid, path: publicKeySetPath } = await addToPublicKeySet(outDir, publicPem);
  return { keyid, privateKeyPath, publicKeySetPath };
}

/**
 * The signer for `keyDir`, creating the key on first use. Safe when several processes start at once. A key
 * that group or others can read or write is refused (KeyInsecureError) unless `allowInsecureKey`, and then the
 * signer says so (Signer.insecure), which every bundle and seal records.
 */
export async function loadSigner(
  keyDir: string,
  options: { allowInsecureKey?: boolean } = {},
): Promise<Signer> {
  const privateKeyPath = join(keyDir, PRIVATE_KEY_FILE);
  let pem: string;
  try {
    pem = await readFile(privateKeyPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await keygen(keyDir).catch((e: unknown) => {
      // Another process created it between our read and our write: use theirs.
      if (!(e instanceof KeyExistsError)) throw e;
    });
    pem = await readFile(privateKeyPath, 'utf8');
  }
  const mode = (await stat(privateKeyPath)).mode & 0o777;
  const insecure = (mode & 0o077) !== 0;
  if (insecure && options.allowInsecureKey !== true) throw new KeyInsecureError(privateKeyPath, mode);
  let signer: Signer;
  try {
    signer = signerFromPrivateKey(pem, { insecure });
  } catch (error) {
    throw new KeyInvalidError(privateKeyPath, (error as Error).message);
  }
  // A crash between writing the key and the key set leaves the set without it; repair that here.
  const publicPem = createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
  await addToPublicKeySet(keyDir, publicPem);
  return signer;
}

async function addToPublicKeySet(
  keyDir: string,
  publicPem: string,
): Promise<{ keyid: string; path: string }> {
  const path = join(keyDir, PUBLIC_KEY_SET_FILE);
  const entry = publicKeyEntry(publicPem);
  const set = await readPublicKeySet(path);
  if (!set.keys.some((k) => k.keyid === entry.keyid)) {
    set.keys.push(entry);
    await writeFileDurably(path, `${JSON.stringify(set, null, 2)}\n`, { mode: 0o644, replace: true });
  }
  return { keyid: entry.keyid, path };
}

async function readPublicKeySet(path: string): Promise<PublicKeySet> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as PublicKeySet;
    if (!Array.isArray(parsed.keys)) throw new KeyInvalidError(path, 'public key set has no keys array');
    return parsed;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { keys: [] };
    if (error instanceof SyntaxError) throw new KeyInvalidError(path, error.message);
    throw error;
  }
}
