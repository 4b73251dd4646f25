// The keys a verification trusts: a public key set file (schemas/keys.ts). Without `--keys`, the data
// directory's own set, which proves only that the bundles match the producer's keys, hence the warning.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { PUBLIC_KEY_SET_FILE, keyIdOf, type PublicKeySet } from '../schemas/keys.js';
import { VerifierError } from './errors.js';

export async function readKeySet(file: string): Promise<Map<string, KeyObject>> {
  let set: PublicKeySet;
  try {
    set = JSON.parse(await readFile(file, 'utf8')) as PublicKeySet;
  } catch (error) {
    throw new VerifierError('INVALID_KEY_SET', `cannot read key set ${file}: ${(error as Error).message}`);
  }
  if (!Array.isArray(set?.keys))
    throw new VerifierError('INVALID_KEY_SET', `${file}: expected {"keys": [...]}`);
  const keys = new Map<string, KeyObject>();
  for (const [index, entry] of set.keys.entries()) {
    let key: KeyObject;
    try {
      key = createPublicKey(entry.public_key);
    } catch (error) {
      throw new VerifierError(
        'INVALID_KEY_SET',
        `${file}: keys[${index}] is not a public key: ${(error as Error).message}`,
      );
    }
    // A keyid that is not the key's own would let one key pass for another.
    if (entry.alg !== 'ed25519' || key.asymmetricKeyType !== 'ed25519' || keyIdOf(key) !== entry.keyid) {
      throw new VerifierError(
        'INVALID_KEY_SET',
        `${file}: keys[${index}] is not an ed25519 key with keyid = sha256(SPKI)`,
      );
    }
    keys.set(entry.keyid, key);
  }
  return keys;
}

/** The data directories' own key sets, merged; the caller decides how loudly to warn. */
export async function producerKeySets(
  dataDirs: readonly string[],
): Promise<{ files: string[]; keys: Map<string, KeyObject> }> {
  const files: string[] = [];
  const keys = new Map<string, KeyObject>();
  for (const dir of dataDirs) {
    const file = join(dir, 'keys', PUBLIC_KEY_SET_FILE);
    if (
      !(await access(file).then(
        () => true,
        () => false,
      ))
    )
      continue;
    files.push(file);
    for (const [keyid, key] of await readKeySet(file)) keys.set(keyid, key);
  }
  return { files, keys };
}
