import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  MerkleError,
  MerkleFrontier,
  MerkleLog,
  digestLeafHash,
  emptyRoot,
  leafHash,
  merkleRoot,
  rootFromInclusionProof,
  storedHashCount,
  verifyConsistency,
  verifyInclusion,
} from '../../schemas/merkle.js';
import { mth, path, proof as consistencyOracle } from './rfc6962-oracle.js';

const RUNS = { numRuns: 1000 };
const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const b64 = (h: string): Buffer => Buffer.from(h, 'base64');

function expectCode(code: MerkleError['code'], body: () => unknown): void {
  let thrown: unknown;
  try {
    body();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a MerkleError').toBeInstanceOf(MerkleError);
  expect((thrown as MerkleError).code).toBe(code);
}

function flipBit(hashes: readonly Buffer[], which: number, bit: number): Buffer[] {
  return hashes.map((h, i) => {
    if (i !== which) return h;
    const copy = Buffer.from(h);
    copy[Math.floor(bit / 8)]! ^= 1 << (bit % 8);
    return copy;
  });
}

// The RFC 6962 reference vectors Certificate Transparency implementations test against (as in
// transparency-dev/merkle proof/verify_test.go): eight leaves of raw data, the roots of each prefix, and proofs.
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(hex);
const CT_INCLUSION: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const CT_CONSISTENCY: { first: number; second: number; proof: string[] }[] = [
  { first: 1, second: 1, proof: [] },
  {
    first: 1,
    second: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    first: 6,
    second: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    first: 2,
    second: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    first: 6,
    second: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

describe('RFC 6962 reference vectors', () => {
  const log = MerkleLog.fromLeafHashes(CT_LEAVES.map(leafHash));

  it('hashes the empty tree to sha256 of nothing', () => {
    expect(emptyRoot().toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(merkleRoot([])).toBe(emptyRoot().toString('hex'));
    expect(log.root(0)).toEqual(emptyRoot());
  });

  it('gives every prefix its published root, kept whole and as a frontier', () => {
    const frontier = new MerkleFrontier();
    CT_LEAVES.forEach((leaf, i) => {
      frontier.append(leafHash(leaf));
      expect(log.root(i + 1).toString('hex')).toBe(CT_ROOTS[i]!.toString('hex'));
      expect(frontier.root()).toEqual(CT_ROOTS[i]);
      expect(merkleRoot(CT_LEAVES.slice(0, i + 1).map((l) => l.toString('hex')))).toBe(
        CT_ROOTS[i]!.toString('hex'),
      );
    });
  });

  it.each(CT_INCLUSION)('proves leaf $index in a tree of $size', ({ index, size, proof }) => {
    const made = log.inclusionProof(index, size);
    expect(made.map((h) => h.toString('hex'))).toEqual(proof);
    verifyInclusion(leafHash(CT_LEAVES[index]!), index, size, made, CT_ROOTS[size - 1]!);
  });

  it.each(CT_CONSISTENCY)('proves $first → $second consistent', ({ first, second, proof }) => {
    const made = log.consistencyProof(first, second);
    expect(made.map((h) => h.toString('hex'))).toEqual(proof);
    verifyConsistency(first, second, made, CT_ROOTS[first - 1]!, CT_ROOTS[second - 1]!);
  });

  it('rejects the corrupted probes of the reference suite', () => {
    const someHash = hex('abacaba000000000000000000000000000000000000000000060061e00123456');
    for (const { index, size, proof: hexProof } of CT_INCLUSION.slice(1)) {
      const proof = hexProof.map(hex);
      const root = CT_ROOTS[size - 1]!;
      const leaf = leafHash(CT_LEAVES[index]!);
      const probes: [number, number, Buffer, Buffer[], Buffer][] = [
        [index - 1, size, leaf, proof, root],
        [index + 1, size, leaf, proof, root],
        [index ^ 2, size, leaf, proof, root],
        [index, size * 2, leaf, proof, root],
        [index, Math.floor(size / 2), leaf, proof, root],
        [index, size, leafHash(Buffer.from('WrongLeaf')), proof, root],
        [index, size, leaf, proof, emptyRoot()],
        [index, size, leaf, proof, someHash],
        [index, size, leaf, [...proof, root], root],
        [index, size, leaf, [root, ...proof], root],
        [index, size, leaf, proof.slice(0, -1), root],
        ...proof.map((_, i): [number, number, Buffer, Buffer[], Buffer] => [
          index,
          size,
          leaf,
          flipBit(proof, i, 3),
          root,
        ]),
      ];
      for (const [i, s, l, p, r] of probes) {
        expect(() => verifyInclusion(l, i, s, p, r), `leaf ${i} of ${s}`).toThrow(MerkleError);
      }
    }
    for (const { first, second, proof: hexProof } of CT_CONSISTENCY.filter((c) => c.proof.length > 0)) {
      const proof = hexProof.map(hex);
      const r1 = CT_ROOTS[first - 1]!;
      const r2 = CT_ROOTS[second - 1]!;
      const probes: [number, number, Buffer[], Buffer, Buffer][] = [
        [first - 1, second, proof, r1, r2],
        [first + 1, second, proof, r1, r2],
        [first ^ 2, second, proof, r1, r2],
        [first, second * 2, proof, r1, r2],
        [first, Math.floor(second / 2), proof, r1, r2],
        [first, second, proof, someHash, r2],
        [first, second, proof, r1, someHash],
        [first, second, proof, r2, r1],
        [first, second, [], r1, r2],
        [first, second, [...proof, r1], r1, r2],
        [first, second, [...proof, r2], r1, r2],
        [first, second, [r1, ...proof], r1, r2],
        [first, second, [r2, ...proof], r1, r2],
        [first, second, [proof[0]!, ...proof], r1, r2],
        [first, second, proof.slice(0, -1), r1, r2],
        ...proof.map((_, i): [number, number, Buffer[], Buffer, Buffer] => [
          first,
          second,
          flipBit(proof, i, 4),
          r1,
          r2,
        ]),
      ];
      for (const [f, s, p, a, b] of probes) {
        expect(() => verifyConsistency(f, s, p, a, b), `${f} → ${s}`).toThrow(MerkleError);
      }
    }
  });

  it('treats the sizes that are always consistent, and only those, as needing no proof', () => {
    const e = emptyRoot();
    verifyConsistency(0, 0, [], e, e);
    verifyConsistency(0, 5, [], e, CT_ROOTS[4]!);
    verifyConsistency(3, 3, [], CT_ROOTS[2]!, CT_ROOTS[2]!);
    expectCode('MERKLE_PROOF_FAILED', () => verifyConsistency(0, 5, [e], e, CT_ROOTS[4]!));
    expectCode('MERKLE_PROOF_FAILED', () => verifyConsistency(0, 5, [], CT_ROOTS[0]!, CT_ROOTS[4]!));
    expectCode('MERKLE_PROOF_FAILED', () => verifyConsistency(3, 3, [], CT_ROOTS[2]!, CT_ROOTS[3]!));
    expectCode('MERKLE_PROOF_FAILED', () => verifyConsistency(3, 3, [e], CT_ROOTS[2]!, CT_ROOTS[2]!));
    expectCode('MERKLE_PROOF_FAILED', () => verifyConsistency(2, 1, [], CT_ROOTS[1]!, CT_ROOTS[0]!));
    expectCode('MERKLE_PROOF_FAILED', () => verifyConsistency(1, 2, [], CT_ROOTS[0]!, CT_ROOTS[1]!));
  });
});

describe('a real Certificate Transparency log (Argon 2020, 961,984,013 entries)', () => {
  const ct = JSON.parse(readFileSync(new URL('vectors/ct-argon2020.json', import.meta.url), 'utf8')) as {
    tree_size: number;
    sha256_root_hash: string;
    leaf_index: number;
    leaf_input: string;
    audit_path: string[];
    consistency_first: number;
    consistency_first_root: string;
    consistency: string[];
  };
  const root = b64(ct.sha256_root_hash);

  it('verifies its inclusion proof for entry 10000', () => {
    const leaf = leafHash(b64(ct.leaf_input));
    verifyInclusion(leaf, ct.leaf_index, ct.tree_size, ct.audit_path.map(b64), root);
    expectCode('MERKLE_PROOF_FAILED', () =>
      verifyInclusion(leaf, ct.leaf_index + 1, ct.tree_size, ct.audit_path.map(b64), root),
    );
  });

  it('verifies its consistency proof from 3,654,490 entries', () => {
    const proof = ct.consistency.map(b64);
    verifyConsistency(ct.consistency_first, ct.tree_size, proof, b64(ct.consistency_first_root), root);
    expectCode('MERKLE_PROOF_FAILED', () =>
      verifyConsistency(
        ct.consistency_first,
        ct.tree_size,
        flipBit(proof, 7, 200),
        b64(ct.consistency_first_root),
        root,
      ),
    );
  });
});

it('hashes a leaf the way golang.org/x/mod/sumdb/tlog.RecordHash does', () => {
  // tlog's TestFormatTree: the tree hash "go.sum database tree" notes carry for RecordHash("hello world").
  expect(leafHash(Buffer.from('hello world')).toString('base64')).toBe(
    'TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=',
  );
});

describe('merkleRoot, as the seals have always computed it', () => {
  it('equals the RFC 6962 definition over the digests as raw bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 70 }), (digests) => {
        const hexes = digests.map((d) => Buffer.from(d).toString('hex'));
        expect(merkleRoot(hexes)).toBe(mth(digests).toString('hex'));
      }),
      RUNS,
    );
  });

  it('reads malformed hex exactly as Buffer.from(hex, "hex") does', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 9 }), { maxLength: 9 }), (strings) => {
        expect(merkleRoot(strings)).toBe(mth(strings.map((s) => Buffer.from(s, 'hex'))).toString('hex'));
      }),
      RUNS,
    );
  });

  it('digestLeafHash takes only a sha256 hex digest', () => {
    const digest = randomBytes(32);
    expect(digestLeafHash(digest.toString('hex'))).toEqual(leafHash(digest));
    for (const bad of [
      '',
      'ab',
      digest.toString('hex').toUpperCase(),
      `${digest.toString('hex')}00`,
      'g'.repeat(64),
    ]) {
      expectCode('MERKLE_BAD_HASH', () => digestLeafHash(bad));
    }
  });
});

/** A random log of 1..maxSize distinct random leaves, built by appending. */
const randomLog = (maxSize: number) =>
  fc.integer({ min: 1, max: maxSize }).map((n) => {
    const leaves = Array.from({ length: n }, () => randomBytes(32));
    return { leaves, log: MerkleLog.fromLeafHashes(leaves.map(leafHash)) };
  });

describe('inclusion proofs on random trees', () => {
  it('match the RFC definition and verify, and a flipped bit, wrong index, leaf or size fails', () => {
    fc.assert(
      fc.property(
        randomLog(300).chain(({ leaves, log }) =>
          fc.record({
            leaves: fc.constant(leaves),
            log: fc.constant(log),
            size: fc.integer({ min: 1, max: leaves.length }),
            pick: fc.nat(),
            other: fc.nat(),
            bit: fc.integer({ min: 0, max: 255 }),
          }),
        ),
        ({ leaves, log, size, pick, other, bit }) => {
          const index = pick % size;
          const proof = log.inclusionProof(index, size);
          const root = log.root(size);
          const leaf = leafHash(leaves[index]!);
          expect(proof).toEqual(path(index, leaves.slice(0, size)));
          expect(root).toEqual(mth(leaves.slice(0, size)));
          verifyInclusion(leaf, index, size, proof, root);
          expect(rootFromInclusionProof(leaf, index, size, proof)).toEqual(root);

          if (proof.length > 0) {
            const tampered = flipBit(proof, other % proof.length, bit);
            expectCode('MERKLE_PROOF_FAILED', () => verifyInclusion(leaf, index, size, tampered, root));
          }
          const flippedLeaf = flipBit([leaf], 0, bit)[0]!;
          expectCode('MERKLE_PROOF_FAILED', () => verifyInclusion(flippedLeaf, index, size, proof, root));
          expectCode('MERKLE_PROOF_FAILED', () =>
            verifyInclusion(leaf, index, size, proof, flipBit([root], 0, bit)[0]!),
          );
          if (size > 1) {
            const wrongIndex = (index + 1 + (other % (size - 1))) % size;
            expectCode('MERKLE_PROOF_FAILED', () => verifyInclusion(leaf, wrongIndex, size, proof, root));
            expectCode('MERKLE_PROOF_FAILED', () =>
              verifyInclusion(leafHash(leaves[wrongIndex]!), index, size, proof, root),
            );
          }
          // The proof for one size proves nothing about the tree at another (each checked against its own root).
          const candidates = Array.from({ length: leaves.length }, (_, s) => s + 1).filter(
            (s) => s !== size && s > index,
          );
          if (candidates.length > 0) {
            const wrongSize = candidates[other % candidates.length]!;
            expectCode('MERKLE_PROOF_FAILED', () =>
              verifyInclusion(leaf, index, wrongSize, proof, log.root(wrongSize)),
            );
          }
          expectCode('MERKLE_PROOF_FAILED', () => verifyInclusion(leaf, index, size, [...proof, root], root));
          if (proof.length > 0)
            expectCode('MERKLE_PROOF_FAILED', () => verifyInclusion(leaf, index, size, proof.slice(1), root));
        },
      ),
      RUNS,
    );
  });
});

describe('consistency proofs on random trees', () => {
  it('match the RFC definition and verify, and a flipped bit, wrong size or root fails', () => {
    fc.assert(
      fc.property(
        randomLog(300)
          .filter(({ leaves }) => leaves.length >= 2)
          .chain(({ leaves, log }) =>
            fc.record({
              leaves: fc.constant(leaves),
              log: fc.constant(log),
              second: fc.integer({ min: 2, max: leaves.length }),
              pick: fc.nat(),
              other: fc.nat(),
              bit: fc.integer({ min: 0, max: 255 }),
            }),
          ),
        ({ leaves, log, second, pick, other, bit }) => {
          const first = 1 + (pick % (second - 1));
          const proof = log.consistencyProof(first, second);
          const r1 = log.root(first);
          const r2 = log.root(second);
          expect(proof).toEqual(consistencyOracle(first, leaves.slice(0, second)));
          verifyConsistency(first, second, proof, r1, r2);

          const tampered = flipBit(proof, other % proof.length, bit);
          expectCode('MERKLE_PROOF_FAILED', () => verifyConsistency(first, second, tampered, r1, r2));
          expectCode('MERKLE_PROOF_FAILED', () =>
            verifyConsistency(first, second, proof, flipBit([r1], 0, bit)[0]!, r2),
          );
          expectCode('MERKLE_PROOF_FAILED', () =>
            verifyConsistency(first, second, proof, r1, flipBit([r2], 0, bit)[0]!),
          );
          // Another first size, with that tree's real root: the proof is for `first` only.
          if (second > 2) {
            const wrongFirst = 1 + ((first + (other % (second - 2))) % (second - 1));
            expect(wrongFirst).not.toBe(first);
            expectCode('MERKLE_PROOF_FAILED', () =>
              verifyConsistency(wrongFirst, second, proof, log.root(wrongFirst), r2),
            );
          }
          const laterSizes = Array.from({ length: leaves.length - first }, (_, i) => first + 1 + i).filter(
            (s) => s !== second,
          );
          if (laterSizes.length > 0) {
            const wrongSecond = laterSizes[other % laterSizes.length]!;
            expectCode('MERKLE_PROOF_FAILED', () =>
              verifyConsistency(first, wrongSecond, proof, r1, log.root(wrongSecond)),
            );
          }
          expectCode('MERKLE_PROOF_FAILED', () =>
            verifyConsistency(first, second, proof.slice(0, -1), r1, r2),
          );
          expectCode('MERKLE_PROOF_FAILED', () => verifyConsistency(first, second, [...proof, r2], r1, r2));
          // A rewritten history: the same sizes, one earlier leaf changed.
          const rewritten = [...leaves];
          rewritten[other % first] = randomBytes(32);
          const forged = MerkleLog.fromLeafHashes(rewritten.map(leafHash));
          expectCode('MERKLE_PROOF_FAILED', () =>
            verifyConsistency(first, second, forged.consistencyProof(first, second), r1, forged.root(second)),
          );
        },
      ),
      RUNS,
    );
  });
});

describe('keeping a growing tree', () => {
  it('a frontier and a stored log agree with the definition after every append, and reopen where they left off', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 200 }),
        fc.nat(),
        (data, cut) => {
          const frontier = new MerkleFrontier();
          const log = MerkleLog.fromLeafHashes([]);
          const appended: Buffer[] = [];
          data.forEach((d) => {
            frontier.append(leafHash(d));
            appended.push(log.append(leafHash(d)));
          });
          expect(frontier.size).toBe(data.length);
          expect(frontier.root()).toEqual(mth(data));
          expect(log.root()).toEqual(mth(data));
          expect(Buffer.concat(appended)).toEqual(log.storedHashes());
          expect(log.storedHashes().length).toBe(storedHashCount(data.length) * 32);

          // Reopen at an earlier size from a prefix of the appended bytes, then carry on appending.
          const at = data.length === 0 ? 0 : cut % (data.length + 1);
          const reopened = MerkleLog.open(Buffer.concat(appended.slice(0, at)), at);
          const resumed = new MerkleFrontier({ size: at, hashes: frontierOf(data.slice(0, at)).hashes });
          data.slice(at).forEach((d) => {
            reopened.append(leafHash(d));
            resumed.append(leafHash(d));
          });
          expect(reopened.storedHashes()).toEqual(log.storedHashes());
          expect(resumed.root()).toEqual(log.root());
          data.forEach((_, size) => expect(reopened.root(size)).toEqual(mth(data.slice(0, size))));
        },
      ),
      RUNS,
    );
  });

  it('refuses state that cannot be a tree of the size claimed', () => {
    const log = MerkleLog.fromLeafHashes([1, 2, 3].map((n) => leafHash(Buffer.from([n]))));
    expectCode('MERKLE_STORE_CORRUPT', () => MerkleLog.open(log.storedHashes(), 4));
    expectCode('MERKLE_STORE_CORRUPT', () => MerkleLog.open(log.storedHashes().subarray(32), 3));
    expectCode('MERKLE_STORE_CORRUPT', () => new MerkleFrontier({ size: 3, hashes: [emptyRoot()] }));
    expectCode('MERKLE_BAD_HASH', () => new MerkleFrontier({ size: 1, hashes: [Buffer.alloc(31)] }));
    expectCode('MERKLE_BAD_HASH', () => log.append(Buffer.alloc(33)));
    expectCode('MERKLE_BAD_RANGE', () => log.root(4));
    expectCode('MERKLE_BAD_RANGE', () => log.inclusionProof(3, 3));
    expectCode('MERKLE_BAD_RANGE', () => log.inclusionProof(-1));
    expectCode('MERKLE_BAD_RANGE', () => log.inclusionProof(0, 0));
    expectCode('MERKLE_BAD_RANGE', () => log.consistencyProof(3, 2));
    expectCode('MERKLE_BAD_RANGE', () => log.consistencyProof(1, 4));
    expectCode('MERKLE_BAD_RANGE', () => log.root(1.5));
    expectCode('MERKLE_BAD_HASH', () => verifyInclusion(Buffer.alloc(32), 0, 1, [], Buffer.alloc(8)));
    expectCode('MERKLE_PROOF_FAILED', () => verifyInclusion(Buffer.alloc(32), 0, 0, [], emptyRoot()));
  });

  it('hands out copies: changing a returned hash changes nothing stored', () => {
    const log = MerkleLog.fromLeafHashes([1, 2, 3, 4, 5].map((n) => leafHash(Buffer.from([n]))));
    const root = log.root();
    log.inclusionProof(4).forEach((h) => h.fill(0));
    log.consistencyProof(3).forEach((h) => h.fill(0));
    log.leafHash(2).fill(0);
    log.storedHashes().fill(0);
    expect(log.root()).toEqual(root);
  });
});

function frontierOf(data: readonly Uint8Array[]): MerkleFrontier {
  const frontier = new MerkleFrontier();
  data.forEach((d) => frontier.append(leafHash(d)));
  return frontier;
}
