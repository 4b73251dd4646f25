// RFC 6962 Merkle tree hash over hex digests: leaves are sha256(0x00 || leaf), nodes sha256(0x01 || l || r),
// split at the largest power of two below n. The empty tree hashes to sha256 of nothing.
import { createHash } from 'node:crypto';

function hash(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return h.digest();
}

function treeHash(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return hash();
  if (leaves.length === 1) return hash(Buffer.from([0]), leaves[0]!);
  let split = 1;
  while (split * 2 < leaves.length) split *= 2;
  return hash(Buffer.from([1]), treeHash(leaves.slice(0, split)), treeHash(leaves.slice(split)));
}

export function merkleRoot(hexDigests: readonly string[]): string {
  return treeHash(hexDigests.map((d) => Buffer.from(d, 'hex'))).toString('hex');
}
