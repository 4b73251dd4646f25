// RFC 6962 / RFC 9162 Merkle trees: the tree hash, inclusion and consistency proofs, and two ways to keep a
// growing tree. Leaves hash as sha256(0x00 || leaf), nodes as sha256(0x01 || left || right); a tree of n
// leaves splits at the largest power of two below n; the empty tree hashes to sha256 of nothing.
//
// Cost (n leaves): the root of a list is O(n) hashes and O(log n) memory (MerkleFrontier). A MerkleLog keeps
// every node in stored-hash order, an append-only array (so it can be an append-only file): appending a leaf
// stores 1 + (trailing one bits of its index) hashes, and the root at any size, an inclusion proof or a
// consistency proof costs O(log n) reads and hashes.
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

export type MerkleErrorCode =
  /** A hash is not 32 bytes, or a digest not 64 hex characters. */
  | 'MERKLE_BAD_HASH'
  /** A tree size or leaf index outside what the operation allows. */
  | 'MERKLE_BAD_RANGE'
  /** A proof that does not prove what it was checked against. */
  | 'MERKLE_PROOF_FAILED'
  /** Stored hashes that cannot be the stored hashes of a tree of the size claimed. */
  | 'MERKLE_STORE_CORRUPT';

export class MerkleError extends Error {
  constructor(
    readonly code: MerkleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MerkleError';
  }
}

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The leaf hash of a sha256 digest given as lower-case hex: the digest's 32 raw bytes are the leaf. */
export function digestLeafHash(hexDigest: string): Buffer {
  if (!SHA256_HEX.test(hexDigest))
    throw new MerkleError('MERKLE_BAD_HASH', `not a sha256 hex digest: ${JSON.stringify(hexDigest)}`);
  return leafHash(Buffer.from(hexDigest, 'hex'));
}

/**
 * The tree hash over hex leaves, hex. Each leaf is `Buffer.from(hex, 'hex')`, exactly as it always was (the
 * seal's roots depend on it), so it is as lenient with malformed hex as that call.
 */
export function merkleRoot(hexDigests: readonly string[]): string {
  const frontier = new MerkleFrontier();
  for (const digest of hexDigests) frontier.append(leafHash(Buffer.from(digest, 'hex')));
  return frontier.root().toString('hex');
}

// ---- Size arithmetic. Plain division, not bit operators: those are 32-bit, and a size may reach 2^53 - 1. ----

function assertSize(size: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new MerkleError('MERKLE_BAD_RANGE', `${what} must be a non-negative safe integer, got ${size}`);
}

function assertHash(hash: Uint8Array, what: string): void {
  if (hash.length !== HASH_SIZE)
    throw new MerkleError('MERKLE_BAD_HASH', `${what} is ${hash.length} bytes, not ${HASH_SIZE}`);
}

/** The largest power of two strictly below n (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function popcount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = half(rest)) if (isOdd(rest)) count++;
  return count;
}

function trailingOnes(n: number): number {
  let count = 0;
  for (let rest = n; isOdd(rest); rest = half(rest)) count++;
  return count;
}

// ---- Frontier: the perfect subtrees a tree of n leaves decomposes into --------------------------------------

/**
 * A growing tree's compact form: the roots of the perfect subtrees its leaves decompose into (one per set bit
 * of the size, largest first). Appending is O(1) amortised, the root O(log n), and the whole state
 * (`size`, `hashes`) is at most log₂ n + 1 hashes — enough to continue the tree without its leaves.
 */
export class MerkleFrontier {
  private readonly stack: Buffer[];
  private count: number;

  constructor(state: { size: number; hashes: readonly Uint8Array[] } = { size: 0, hashes: [] }) {
    assertSize(state.size, 'frontier size');
    if (state.hashes.length !== popcount(state.size))
      throw new MerkleError(
        'MERKLE_STORE_CORRUPT',
        `a frontier of size ${state.size} has ${popcount(state.size)} hashes, not ${state.hashes.length}`,
      );
    state.hashes.forEach((h, i) => assertHash(h, `frontier hash ${i}`));
    this.stack = state.hashes.map((h) => Buffer.from(h));
    this.count = state.size;
  }

  get size(): number {
    return this.count;
  }

  /** A copy of the state, to persist and pass back to the constructor. */
  get hashes(): Buffer[] {
    return this.stack.map((h) => Buffer.from(h));
  }

  append(leaf: Uint8Array): void {
    assertHash(leaf, 'leaf hash');
    let hash: Buffer = Buffer.from(leaf);
    // Each trailing one bit of the old size is a perfect subtree the new leaf completes a sibling for.
    for (let merges = trailingOnes(this.count); merges > 0; merges--)
      hash = nodeHash(this.stack.pop()!, hash);
    this.stack.push(hash);
    this.count++;
  }

  root(): Buffer {
    if (this.stack.length === 0) return emptyRoot();
    let hash = this.stack.at(-1)!;
    for (let i = this.stack.length - 2; i >= 0; i--) hash = nodeHash(this.stack[i]!, hash);
    return Buffer.from(hash);
  }
}

// ---- Stored-hash order -------------------------------------------------------------------------------------

/**
 * Where the node at `level` (0 = leaves) and position `n` within that level sits in stored-hash order (Crosby
 * and Wallach; golang.org/x/mod/sumdb/tlog uses the same): nodes in the order they are completed as leaves are
 * appended. That node is completed by leaf m = (n + 1)·2^level − 1, whose own hash comes after the
 * Σ_{j<m} (1 + trailing ones of j) = 2m − popcount(m) hashes before it; the completed nodes follow it by level.
 */
export function storedHashIndex(level: number, n: number): number {
  const m = (n + 1) * 2 ** level - 1;
  return 2 * m - popcount(m) + level;
}

/** How many hashes a tree of `size` leaves stores. */
export function storedHashCount(size: number): number {
  assertSize(size, 'tree size');
  return size === 0 ? 0 : storedHashIndex(0, size - 1) + 1 + trailingOnes(size - 1);
}

/**
 * A tree that keeps every node, for proofs. Its hashes are an append-only array in stored-hash order:
 * `append` returns the bytes it added, so a caller can keep them in an append-only file and reopen the tree
 * with `MerkleLog.open` without hashing anything again. Reopened hashes are trusted: check `root()` against
 * the last signed checkpoint before appending (every later root is built from the perfect subtrees that root
 * covers, so a match means they are intact).
 */
export class MerkleLog {
  private store: Buffer;
  private used = 0;
  private count = 0;

  private constructor(initialCapacity: number) {
    this.store = Buffer.alloc(Math.max(initialCapacity, 64) * HASH_SIZE);
  }

  static fromLeafHashes(leaves: Iterable<Uint8Array>): MerkleLog {
    const log = new MerkleLog(0);
    for (const leaf of leaves) log.append(leaf);
    return log;
  }

  /** Reopens a tree from the bytes its appends returned, in order. */
  static open(storedHashes: Uint8Array, size: number): MerkleLog {
    const expected = storedHashCount(size) * HASH_SIZE;
    if (storedHashes.length !== expected)
      throw new MerkleError(
        'MERKLE_STORE_CORRUPT',
        `a tree of ${size} leaves stores ${expected} bytes of hashes, got ${storedHashes.length}`,
      );
    const log = new MerkleLog(storedHashCount(size) + 64);
    Buffer.from(storedHashes.buffer, storedHashes.byteOffset, storedHashes.length).copy(log.store);
    log.used = expected;
    log.count = size;
    return log;
  }

  get size(): number {
    return this.count;
  }

  /** A copy of every stored hash: what the appends so far returned, concatenated. */
  storedHashes(): Buffer {
    return Buffer.from(this.store.subarray(0, this.used));
  }

  /** Appends a leaf hash; returns the hashes this stored (the leaf's, then the nodes it completed). */
  append(leaf: Uint8Array): Buffer {
    assertHash(leaf, 'leaf hash');
    const start = this.used;
    const index = this.count;
    let hash: Buffer = Buffer.from(leaf);
    this.push(hash);
    for (let level = 0; level < trailingOnes(index); level++) {
      const left = this.node(level, Math.floor(index / 2 ** level) - 1);
      hash = nodeHash(left, hash);
      this.push(hash);
    }
    this.count++;
    return Buffer.from(this.store.subarray(start, this.used));
  }

  leafHash(index: number): Buffer {
    this.assertIndex(index, this.count);
    return Buffer.from(this.node(0, index));
  }

  /** The root of the tree's first `size` leaves. */
  root(size = this.count): Buffer {
    this.assertSizeWithin(size);
    return size === 0 ? emptyRoot() : Buffer.from(this.subtreeHash(0, size));
  }

  /** RFC 9162 §2.1.3.1 PATH(index, D[0:size]): the audit path, nearest the leaf first. */
  inclusionProof(index: number, size = this.count): Buffer[] {
    this.assertSizeWithin(size);
    this.assertIndex(index, size);
    const path: Buffer[] = [];
    let lo = 0;
    let hi = size;
    while (hi - lo > 1) {
      const k = splitPoint(hi - lo);
      if (index < lo + k) {
        path.push(this.subtreeHash(lo + k, hi));
        hi = lo + k;
      } else {
        path.push(this.subtreeHash(lo, lo + k));
        lo += k;
      }
    }
    return path.reverse().map((h) => Buffer.from(h));
  }

  /** RFC 9162 §2.1.4.1 PROOF(first, D[0:second]); empty when first is 0 or equals second. */
  consistencyProof(first: number, second = this.count): Buffer[] {
    this.assertSizeWithin(second);
    assertSize(first, 'first tree size');
    if (first > second)
      throw new MerkleError('MERKLE_BAD_RANGE', `first tree size ${first} exceeds second ${second}`);
    if (first === 0 || first === second) return [];
    const proof: Buffer[] = [];
    let lo = 0;
    let hi = second;
    let m = first;
    // `whole` is SUBPROOF's b: true while the subtree on the path is still the old tree's left edge, whose
    // hash the verifier already has (it is the old root, or rebuilt from it).
    let whole = true;
    while (m !== hi - lo) {
      const k = splitPoint(hi - lo);
      if (m <= k) {
        proof.push(this.subtreeHash(lo + k, hi));
        hi = lo + k;
      } else {
        proof.push(this.subtreeHash(lo, lo + k));
        lo += k;
        m -= k;
        whole = false;
      }
    }
    if (!whole) proof.push(this.subtreeHash(lo, hi));
    return proof.reverse().map((h) => Buffer.from(h));
  }

  /**
   * MTH(D[lo:hi]) for a subtree the RFC 6962 recursion reaches (lo a multiple of the largest power of two
   * ≤ hi − lo): the perfect subtrees of sizes given by hi − lo's bits, largest first, folded from the right.
   * O(log n): only the tree's right edge is imperfect, and every proof reads it at most once.
   */
  private subtreeHash(lo: number, hi: number): Buffer {
    const pieces: Buffer[] = [];
    let width = 1;
    let level = 0;
    while (width * 2 <= hi - lo) {
      width *= 2;
      level++;
    }
    for (let start = lo; start < hi; width /= 2, level--) {
      if (start + width <= hi) {
        pieces.push(this.node(level, start / width));
        start += width;
      }
    }
    let hash = pieces.pop()!;
    while (pieces.length > 0) hash = nodeHash(pieces.pop()!, hash);
    return hash;
  }

  /** A view of a stored node (never handed out: callers get copies). */
  private node(level: number, n: number): Buffer {
    const offset = storedHashIndex(level, n) * HASH_SIZE;
    return this.store.subarray(offset, offset + HASH_SIZE);
  }

  private push(hash: Buffer): void {
    if (this.used + HASH_SIZE > this.store.length) {
      const grown = Buffer.alloc(this.store.length * 2);
      this.store.copy(grown, 0, 0, this.used);
      this.store = grown;
    }
    hash.copy(this.store, this.used);
    this.used += HASH_SIZE;
  }

  private assertSizeWithin(size: number): void {
    assertSize(size, 'tree size');
    if (size > this.count)
      throw new MerkleError('MERKLE_BAD_RANGE', `tree size ${size} exceeds the ${this.count} leaves stored`);
  }

  private assertIndex(index: number, size: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size)
      throw new MerkleError('MERKLE_BAD_RANGE', `leaf index ${index} is not in a tree of ${size} leaves`);
  }
}

// ---- Verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -----------------------------------------------------------

/** The root an inclusion proof implies for `leaf` at `index` in a tree of `size` leaves. */
export function rootFromInclusionProof(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Buffer {
  assertSize(size, 'tree size');
  assertHash(leaf, 'leaf hash');
  proof.forEach((h, i) => assertHash(h, `proof hash ${i}`));
  if (!Number.isSafeInteger(index) || index < 0 || index >= size)
    throw new MerkleError('MERKLE_PROOF_FAILED', `leaf index ${index} is not in a tree of ${size} leaves`);
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) throw new MerkleError('MERKLE_PROOF_FAILED', 'inclusion proof is longer than the path');
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // A right-edge node with no right sibling: climb until this node is a right child again.
      if (!isOdd(fn))
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new MerkleError('MERKLE_PROOF_FAILED', 'inclusion proof is shorter than the path');
  return r;
}

export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  assertHash(root, 'root');
  if (!rootFromInclusionProof(leaf, index, size, proof).equals(root))
    throw new MerkleError(
      'MERKLE_PROOF_FAILED',
      `inclusion proof for leaf ${index} does not lead to the root of the ${size}-leaf tree`,
    );
}

/** That the tree of `second` leaves with `secondRoot` extends the tree of `first` leaves with `firstRoot`. */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): void {
  assertSize(first, 'first tree size');
  assertSize(second, 'second tree size');
  assertHash(firstRoot, 'first root');
  assertHash(secondRoot, 'second root');
  proof.forEach((h, i) => assertHash(h, `proof hash ${i}`));
  const fail = (why: string): never => {
    throw new MerkleError('MERKLE_PROOF_FAILED', `consistency ${first} → ${second}: ${why}`);
  };
  if (first > second) fail('the first tree is larger than the second');
  if (first === 0) {
    if (proof.length > 0) fail('a proof from the empty tree must be empty');
    if (!emptyRoot().equals(firstRoot)) fail('the first root is not the empty tree hash');
    return;
  }
  if (first === second) {
    if (proof.length > 0) fail('a proof between equal sizes must be empty');
    if (!Buffer.from(firstRoot).equals(secondRoot)) fail('equal sizes with different roots');
    return;
  }
  if (proof.length === 0) fail('the proof is empty');
  // When the old tree is a perfect subtree its root is the proof's implied first element.
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) fail('the proof is longer than the path');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isOdd(fn))
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail('the proof is shorter than the path');
  if (!fr.equals(firstRoot)) fail('the proof does not lead to the first root');
  if (!sr.equals(secondRoot)) fail('the proof does not lead to the second root');
}
