// signature: Ed25519 over the DSSE pre-authentication encoding, by a key the operator trusts.
import { verify, type KeyObject } from 'node:crypto';

import { preAuthEncoding } from '../../schemas/dsse.js';
import { CheckFailure } from './check.js';
import { decodeStrictBase64 } from '../../schemas/checkpoint.js';
import type { ParsedEnvelope } from './envelope.js';

export type TrustedKeys = ReadonlyMap<string, KeyObject>;

/**
 * Every signature made with a trusted keyid must verify, and there must be at least one. Signatures by keys
 * the operator does not know are ignored beside a valid trusted one: they prove nothing either way.
 * Returns the keyid that vouches for the payload.
 */
export function verifySignature({ envelope, payload }: ParsedEnvelope, keys: TrustedKeys): string {
  const trusted = envelope.signatures.filter((s) => keys.has(s.keyid));
  if (trusted.length === 0) {
    const keyids = envelope.signatures.map((s) => s.keyid).join(', ');
    throw new CheckFailure('unknown_key', `signed only by keys that are not trusted: ${keyids}`);
  }
  const signedBytes = preAuthEncoding(envelope.payloadType, payload);
  for (const { keyid, sig } of trusted) {
    const signature = decodeStrictBase64(sig);
    if (!signature || !verifyEd25519(signedBytes, keys.get(keyid)!, signature)) {
      throw new CheckFailure('signature', `signature by ${keyid} does not verify`);
    }
  }
  return trusted[0]!.keyid;
}

function verifyEd25519(data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(null, data, key, signature);
  } catch {
    // A signature of the wrong length makes node throw rather than return false; it is just as invalid.
    return false;
  }
}
