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
 * Resolves to the keyid that vouches for the payload. The Ed25519 verifications run in libuv's thread pool,
 * so a caller with many bundles in flight verifies them on another core while it parses the next ones.
 */
export async function verifySignature(
  { envelope, payload }: ParsedEnvelope,
  keys: TrustedKeys,
): Promise<string> {
  const trusted = envelope.signatures.filter((s) => keys.has(s.keyid));
  if (trusted.length === 0) {
    const keyids = envelope.signatures.map((s) => s.keyid).join(', ');
    throw new CheckFailure('unknown_key', `signed only by keys that are not trusted: ${keyids}`);
  }
  const signedBytes = preAuthEncoding(envelope.payloadType, payload);
  const verified = await Promise.all(
    trusted.map(({ keyid, sig }) => {
      const signature = decodeStrictBase64(sig);
      return signature ? verifyEd25519(signedBytes, keys.get(keyid)!, signature) : false;
    }),
  );
  const failed = trusted.find((_, i) => !verified[i]);
  if (failed) throw new CheckFailure('signature', `signature by ${failed.keyid} does not verify`);
  return trusted[0]!.keyid;
}

function verifyEd25519(data: Buffer, key: KeyObject, signature: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      verify(null, data, key, signature, (error, ok) => resolve(error === null && ok));
    } catch {
      // A signature of the wrong length makes node throw rather than return false; it is just as invalid.
      resolve(false);
    }
  });
}
