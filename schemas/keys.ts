// The public key set a verifier trusts, and how a keyid is derived: sha256 of the SPKI DER public key, hex.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

export interface PublicKeyEntry {
  keyid: string;
  alg: 'ed25519';
  /** SPKI PEM. */
  public_key: string;
}

export interface PublicKeySet {
  keys: PublicKeyEntry[];
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function publicKeyEntry(pem: string): PublicKeyEntry {
  return { keyid: keyIdOf(createPublicKey(pem)), alg: 'ed25519', public_key: pem };
}

/** File names inside a key directory (`proofline keygen --out DIR`, default `<data>/keys`). */
export const PRIVATE_KEY_FILE = 'signing-key.pem';
export const PUBLIC_KEY_SET_FILE = 'public-keys.json';
