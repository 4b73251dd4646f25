// The attacker's tools for the tamper suite (tamper.test.ts): someone with write access to a data directory,
// and for the strongest attacks also its signing key (`keys/signing-key.pem`), who rewrites segments, seals
// and the transparency log exactly as proofline would have written them.
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  DSSE_PAYLOAD_TYPE,
  type ActionProof,
  type DsseEnvelope,
  type SessionSeal,
  type Statement,
} from '../../schemas/bundle.js';
import { ed25519NoteSigner, signCheckpoint } from '../../schemas/checkpoint.js';
import { canonicalize, sha256Hex } from '../../schemas/digest.js';
import { preAuthEncoding } from '../../schemas/dsse.js';
import { keyIdOf, PRIVATE_KEY_FILE } from '../../schemas/keys.js';
import { digestLeafHash, merkleRoot, MerkleLog } from '../../schemas/merkle.js';
import { listSegments, readRecords, SEGMENTS_DIR, segmentFileName } from '../../schemas/segment.js';
import { CHECKPOINT_FILE, LEAVES_FILE, ORIGIN_FILE, TLOG_DIR } from '../../schemas/tlog.js';

export interface Rec {
  text: string;
  kind: 'action' | 'seal';
  digest: string;
  sessionId: string;
  statement: Statement<ActionProof | SessionSeal>;
}

export async function records(dataDir: string): Promise<Rec[]> {
  const out: Rec[] = [];
  for await (const r of readRecords(dataDir)) {
    const p = r.statement.predicate as Partial<ActionProof & SessionSeal>;
    out.push({
      text: r.text,
      kind: r.kind,
      digest: r.digest,
      sessionId: p.summary?.session_id ?? p.session_id!,
      statement: r.statement,
    });
  }
  return out;
}

/** Replaces every segment with one holding `lines`, as written (the key holder can rewrite them all). */
export async function writeSegments(dataDir: string, lines: readonly string[]): Promise<void> {
  for (const { path } of await listSegments(dataDir)) await rm(path);
  await writeFile(join(dataDir, SEGMENTS_DIR, segmentFileName(1)), lines.map((l) => `${l}\n`).join(''));
}

export async function signingKey(dataDir: string): Promise<KeyObject> {
  return createPrivateKey(await readFile(join(dataDir, 'keys', PRIVATE_KEY_FILE)));
}

/** An envelope over `statement`, signed as proofline signs (canonical JSON, DSSE PAE, Ed25519). */
export function signed(statement: object, key: KeyObject): { text: string; digest: string } {
  const payload = Buffer.from(canonicalize(statement), 'utf8');
  const envelope: DsseEnvelope = {
    payloadType: DSSE_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [
      {
        keyid: keyIdOf(createPublicKey(key)),
        sig: sign(null, preAuthEncoding(DSSE_PAYLOAD_TYPE, payload), key).toString('base64'),
      },
    ],
  };
  return { text: canonicalize(envelope), digest: sha256Hex(payload) };
}

/** A new seal for `sessionId` over the action records given (in chain order), the old one's facts kept. */
export function reseal(old: Rec, actions: readonly Rec[], key: KeyObject): { text: string; digest: string } {
  const statement = structuredClone(old.statement) as Statement<SessionSeal>;
  const digests = actions.map((a) => a.digest);
  statement.predicate.count = digests.length;
  statement.predicate.merkle_root = merkleRoot(digests);
  statement.predicate.last_bundle = digests.at(-1) ?? null;
  statement.subject[0]!.digest.sha256 = statement.predicate.merkle_root;
  return signed(statement, key);
}

export async function origin(dataDir: string): Promise<string> {
  return (await readFile(join(dataDir, TLOG_DIR, ORIGIN_FILE), 'utf8')).trim();
}

export async function leaves(dataDir: string): Promise<string[]> {
  return (await readFile(join(dataDir, TLOG_DIR, LEAVES_FILE), 'utf8')).split('\n').filter(Boolean);
}

/** Rewrites the log over `sealDigests` and signs a checkpoint over it, as the server would. */
export async function rewriteLog(
  dataDir: string,
  sealDigests: readonly string[],
  key: KeyObject,
  logOrigin?: string,
): Promise<void> {
  const name = logOrigin ?? (await origin(dataDir));
  const tree = MerkleLog.fromLeafHashes(sealDigests.map(digestLeafHash));
  const tlog = join(dataDir, TLOG_DIR);
  await writeFile(join(tlog, ORIGIN_FILE), `${name}\n`);
  await writeFile(join(tlog, LEAVES_FILE), sealDigests.map((d) => `${d}\n`).join(''));
  await writeFile(
    join(tlog, CHECKPOINT_FILE),
    signCheckpoint({ origin: name, size: tree.size, rootHash: tree.root(), extensions: [] }, [
      ed25519NoteSigner(name, key),
    ]),
  );
}

/** Flips one bit of the base64 payload's decoded bytes at fraction `at`. */
export function flipPayload(text: string, at: number): string {
  const envelope = JSON.parse(text) as DsseEnvelope;
  const payload = Buffer.from(envelope.payload, 'base64');
  const i = Math.floor(payload.length * at);
  payload[i] = payload[i]! ^ 0x01;
  return JSON.stringify({ ...envelope, payload: payload.toString('base64') });
}
