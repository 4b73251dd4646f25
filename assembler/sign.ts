// DSSE signing (ARCHITECTURE.md §5): the payload is the canonical JSON of an in-toto Statement, the signature is
// Ed25519 over PAE(payloadType, payload). Ed25519 is deterministic, so the same Statement and key give the
// same envelope byte for byte.
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';

import type { BundleDigest, DsseEnvelope, Statement } from '../schemas/bundle.js';
import { canonicalize, sha256Hex } from '../schemas/digest.js';
import { envelopeOf } from '../schemas/dsse.js';
import { keyIdOf } from '../schemas/keys.js';

export interface Signer {
  readonly keyid: string;
  /** The private key is readable by group or others and was used anyway (--allow-insecure-key). */
  readonly insecure: boolean;
  /** The private key itself, for the transparency log's checkpoints (the same key signs them). */
  readonly privateKey: KeyObject;
  /** base64 Ed25519 signature over `message`. */
  sign(message: Uint8Array): string;
}

export function signerFromPrivateKey(privateKeyPem: string, options: { insecure?: boolean } = {}): Signer {
  const key: KeyObject = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`expected an ed25519 key, got ${key.asymmetricKeyType ?? 'a non-asymmetric key'}`);
  }
  return {
    keyid: keyIdOf(createPublicKey(key)),
    insecure: options.insecure === true,
    privateKey: key,
    sign: (message) => sign(null, message, key).toString('base64'),
  };
}

export interface SignedBundle {
  statement: Statement<unknown>;
  envelope: DsseEnvelope;
  /** sha256 of the payload bytes. */
  digest: BundleDigest;
  /** The envelope as stored: canonical JSON plus a newline. */
  fileText: string;
}

export function signStatement(statement: Statement<unknown>, signer: Signer): SignedBundle {
  const payload = Buffer.from(canonicalize(statement), 'utf8');
  const envelope = envelopeOf(payload, signer);
  return { statement, envelope, digest: sha256Hex(payload), fileText: `${canonicalize(envelope)}\n` };
}
