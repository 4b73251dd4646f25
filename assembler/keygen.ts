// The signing key (ARCHITECTURE.md §5): an Ed25519 private key in PKCS#8 PEM, readable by its owner only, next to
// the public key set a verifier trusts. Replacing a key keeps the old public keys in the set, so bundles
// signed before a rotation still verify.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import {
  APPROVER_NAME_PATTERN,
  approverEntry,
  approverFileOf,
  readApproverFile,
  REGISTERED_APPROVERS_FILE,
  type ApproverEntry,
  type ApproverSet,
} from '../schemas/approvers.js';
import { ProoflineError } from '../schemas/errors.js';
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

export interface ApproverKeygenResult {
  entry: ApproverEntry;
  privateKeyPath: string;
  /** The entry alone, as an approvers file (`serve --approvers`). */
  entryPath: string;
}

/** An approver key that cannot be made as asked (a bad name, a short passphrase): a usage error. */
export class ApproverKeyError extends ProoflineError<'APPROVER_KEY_INVALID'> {
  constructor(message: string) {
    super('APPROVER_KEY_INVALID', message, { exitCode: 2 });
  }
}

/** The cipher the approver's private key is encrypted with at rest (PKCS#8 PBES2, key from the passphrase). */
export const APPROVER_KEY_CIPHER = 'aes-256-cbc';
export const MIN_PASSPHRASE_LENGTH = 12;

/** File names of approver NAME's key pair in its directory. */
export function approverKeyFiles(outDir: string, name: string): { privateKey: string; entry: string } {
  return {
    privateKey: join(outDir, `${name}.approver-key.pem`),
    entry: join(outDir, `${name}.approver.json`),
  };
}

/**
 * An approver's key pair (`proofline keygen --approver NAME`): the private key as encrypted PKCS#8 PEM (mode
 * 0600), unusable without the passphrase even by a process of the same user; the public half as an approvers
 * file entry to register with the server.
 */
export async function keygenApprover(
  name: string,
  outDir: string,
  passphrase: string,
  opts: { force?: boolean } = {},
): Promise<ApproverKeygenResult> {
  if (!APPROVER_NAME_PATTERN.test(name))
    throw new ApproverKeyError(`approver name "${name}" must match ${APPROVER_NAME_PATTERN.source}`);
  if (passphrase.length < MIN_PASSPHRASE_LENGTH)
    throw new ApproverKeyError(`the passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`);
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const files = approverKeyFiles(outDir, name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: APPROVER_KEY_CIPHER, passphrase });
  try {
    await writeFileDurably(files.privateKey, pem.toString(), { mode: 0o600, replace: opts.force === true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new KeyExistsError(files.privateKey);
    throw error;
  }
  const entry = approverEntry(name, publicKey);
  await writeFileDurably(files.entry, `${JSON.stringify({ approvers: [entry] }, null, 2)}\n`, {
    mode: 0o644,
    replace: true,
  });
  return { entry, privateKeyPath: files.privateKey, entryPath: files.entry };
}

/** Adds `approvers` to the key directory's registered set, keeping the ones already there (a key taken off
 * the server's list still vouches for the grants it signed before). */
export async function recordApprovers(keyDir: string, approvers: ApproverSet): Promise<void> {
  if (approvers.size === 0) return;
  const path = join(keyDir, REGISTERED_APPROVERS_FILE);
  let recorded: ApproverSet = new Map();
  try {
    recorded = readApproverFile(JSON.parse(await readFile(path, 'utf8')), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ApproverKeyError(`registered approvers ${path} unreadable: ${(error as Error).message}`);
  }
  if ([...approvers.keys()].every((keyid) => recorded.has(keyid))) return;
  const merged = new Map([...recorded, ...approvers]);
  await mkdir(keyDir, { recursive: true, mode: 0o700 });
  await writeFileDurably(path, `${JSON.stringify(approverFileOf(merged), null, 2)}\n`, {
    mode: 0o644,
    replace: true,
  });
}
