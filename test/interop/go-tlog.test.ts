// proofline's checkpoints and proofs, checked by the Go module database's own code (test/interop/go, see
// tlogcheck.ts): golang.org/x/mod/sumdb/note opens the signed
// checkpoints with our verifier key; golang.org/x/mod/sumdb/tlog rebuilds the tree from the leaves and runs
// CheckRecord / CheckTree on our proofs. Every honest case must pass there and every forged one fail.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { ed25519NoteSigner, signCheckpoint, verifierKey } from '../../schemas/checkpoint.js';
import { MerkleLog, digestLeafHash } from '../../schemas/merkle.js';
import { runTlogcheck, type TlogcheckCase, type TlogcheckReport } from './tlogcheck.js';

const ORIGIN = 'proofline.dev/tlog/0d5e7a51c0ffee00d5e7a51c0ffee000';

const b64 = (hashes: readonly Buffer[]): string[] => hashes.map((h) => h.toString('base64'));
const flip = (hash: Buffer, bit: number): Buffer => {
  const copy = Buffer.from(hash);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
};

describe('golang.org/x/mod/sumdb (note and tlog) accept our checkpoints and proofs, and refuse forged ones', () => {
  // A key as proofline keeps one (PKCS#8 PEM read back by node:crypto); the leaves are seal digests.
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const privateKey = createPrivateKey(pem);
  const signer = ed25519NoteSigner(ORIGIN, privateKey);
  const leaves = Array.from({ length: 1000 }, () => randomBytes(32).toString('hex'));
  const log = MerkleLog.fromLeafHashes(leaves.map(digestLeafHash));
  const checkpoint = (size: number, rootHash = log.root(size)) =>
    signCheckpoint({ origin: ORIGIN, size, rootHash, extensions: [] }, [signer]);
  // The same leaves with one rewritten, and a log that drops one: what a key holder could sign instead.
  const rewritten = MerkleLog.fromLeafHashes(
    leaves.map((l, i) => digestLeafHash(i === 500 ? 'ab'.repeat(32) : l)),
  );
  const truncated = MerkleLog.fromLeafHashes(leaves.filter((_, i) => i !== 10).map(digestLeafHash));

  const honest: TlogcheckCase[] = [];
  const forged: TlogcheckCase[] = [];
  const random = (n: number): number => Math.floor(Math.random() * n);

  for (const size of [0, 1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 511, 512, 513, 999, 1000])
    honest.push({ name: `checkpoint at ${size}`, kind: 'checkpoint', note: checkpoint(size) });
  const witness = ed25519NoteSigner('witness.example/w1', generateKeyPairSync('ed25519').privateKey);
  honest.push({
    name: 'checkpoint cosigned by a witness Go does not know',
    kind: 'checkpoint',
    note: signCheckpoint({ origin: ORIGIN, size: 700, rootHash: log.root(700), extensions: [] }, [
      signer,
      witness,
    ]),
  });
  forged.push(
    {
      name: 'checkpoint signed by another key of the same name',
      kind: 'checkpoint',
      note: signCheckpoint({ origin: ORIGIN, size: 1000, rootHash: log.root(1000), extensions: [] }, [
        ed25519NoteSigner(ORIGIN, generateKeyPairSync('ed25519').privateKey),
      ]),
    },
    {
      name: 'checkpoint edited after signing',
      kind: 'checkpoint',
      note: checkpoint(1000).replace('\n1000\n', '\n999\n'),
    },
    {
      name: 'checkpoint signed by the key over a rewritten leaf',
      kind: 'checkpoint',
      note: checkpoint(1000, rewritten.root(1000)),
    },
    {
      name: 'checkpoint signed by the key over a log missing a leaf',
      kind: 'checkpoint',
      note: checkpoint(999, truncated.root(999)),
    },
    {
      name: 'checkpoint signed by the key with a size it does not cover',
      kind: 'checkpoint',
      note: checkpoint(999, log.root(1000)),
    },
    {
      name: 'checkpoint whose signature line uses a hyphen',
      kind: 'checkpoint',
      note: checkpoint(1000).replace('\n\u2014 ', '\n- '),
    },
  );

  const inclusionPairs: [number, number][] = [
    [0, 1],
    [0, 1000],
    [999, 1000],
    [511, 512],
    [512, 513],
    ...Array.from({ length: 300 }, (): [number, number] => {
      const size = 1 + random(1000);
      return [random(size), size];
    }),
  ];
  for (const [index, size] of inclusionPairs) {
    const proof = log.inclusionProof(index, size);
    const root = log.root(size).toString('base64');
    honest.push({
      name: `inclusion of ${index} in ${size}`,
      kind: 'inclusion',
      index,
      size,
      root,
      proof: b64(proof),
    });
    if (proof.length > 0) {
      const at = random(proof.length);
      forged.push({
        name: `inclusion of ${index} in ${size}, proof[${at}] flipped`,
        kind: 'inclusion',
        index,
        size,
        root,
        proof: b64(proof.map((h, i) => (i === at ? flip(h, random(256)) : h))),
      });
    }
    if (size > 1)
      forged.push({
        name: `inclusion of ${index} in ${size} claimed for leaf ${(index + 1) % size}`,
        kind: 'inclusion',
        index: (index + 1) % size,
        size,
        root,
        proof: b64(proof),
      });
  }

  const consistencyPairs: [number, number][] = [
    [1, 1],
    [1, 1000],
    [999, 1000],
    [512, 1000],
    [511, 513],
    ...Array.from({ length: 300 }, (): [number, number] => {
      const second = 1 + random(1000);
      return [1 + random(second), second];
    }),
  ];
  for (const [first, second] of consistencyPairs) {
    const proof = log.consistencyProof(first, second);
    const roots = {
      first_root: log.root(first).toString('base64'),
      second_root: log.root(second).toString('base64'),
    };
    honest.push({
      name: `consistency ${first} → ${second}`,
      kind: 'consistency',
      first,
      second,
      ...roots,
      proof: b64(proof),
    });
    if (proof.length > 0) {
      const at = random(proof.length);
      forged.push({
        name: `consistency ${first} → ${second}, proof[${at}] flipped`,
        kind: 'consistency',
        first,
        second,
        ...roots,
        proof: b64(proof.map((h, i) => (i === at ? flip(h, random(256)) : h))),
      });
    }
  }
  // A rewritten history proved "consistent" with its own roots: Go rebuilds the tree and sees another root.
  forged.push({
    name: 'consistency 400 → 1000 of a history rewritten at leaf 500',
    kind: 'consistency',
    first: 400,
    second: 1000,
    first_root: rewritten.root(400).toString('base64'),
    second_root: rewritten.root(1000).toString('base64'),
    proof: b64(rewritten.consistencyProof(400, 1000)),
  });

  let report: TlogcheckReport;
  beforeAll(() => {
    report = runTlogcheck({
      verifier_key: verifierKey(ORIGIN, createPublicKey(privateKey)),
      origin: ORIGIN,
      leaves,
      stored_hashes: log.storedHashes().toString('base64'),
      cases: [...honest, ...forged],
    });
  });

  it('stores node hashes in the order tlog.StoredHashes does, byte for byte', () => {
    expect(report.stored_hashes_match).toBe(true);
  });

  it(`passes all ${honest.length} honest cases`, () => {
    const failed = report.results.filter((r) => honest.some((c) => c.name === r.name) && !r.ok);
    expect(failed).toEqual([]);
    expect(report.results.filter((r) => r.ok).length).toBe(honest.length);
  });

  it(`fails all ${forged.length} forged cases`, () => {
    const passed = report.results.filter((r) => forged.some((c) => c.name === r.name) && r.ok);
    expect(passed).toEqual([]);
    expect(report.results).toHaveLength(honest.length + forged.length);
  });

  it('is the note package, not our parser, that rejects a bad signature', () => {
    const byName = new Map(report.results.map((r) => [r.name, r.error ?? '']));
    expect(byName.get('checkpoint signed by another key of the same name')).toMatch(
      /note: .*no verifiable signatures/,
    );
    expect(byName.get('checkpoint edited after signing')).toMatch(/note: invalid signature/);
    expect(byName.get('checkpoint whose signature line uses a hyphen')).toMatch(/note: malformed note/);
    expect(byName.get('checkpoint signed by the key over a rewritten leaf')).toMatch(/is not the tree hash/);
  });
});
