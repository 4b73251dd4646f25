// The attacker's tools for the tamper suite (tamper.test.ts): someone with write access to a data directory,
// and for the strongest attacks also its signing key (`keys/signing-key.pem`), who rewrites segments, seals
// and the transparency log exactly as proofline would have written them.
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  actionIdentity,
  DSSE_PAYLOAD_TYPE,
  type ActionProof,
  type DsseEnvelope,
  type SessionSeal,
  type Statement,
} from '../../schemas/bundle.js';
import { ed25519NoteSigner, signCheckpoint } from '../../schemas/checkpoint.js';
import { canonicalDigest, canonicalize, sha256Hex } from '../../schemas/digest.js';
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

/** The session with the most action bundles (the attacks need one with something in it). */
export function busiest(all: readonly Rec[]): string {
  const counts = new Map<string, number>();
  for (const r of all) if (r.kind === 'action') counts.set(r.sessionId, (counts.get(r.sessionId) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

/** The key holder's rewrite of one session: `edit` the action records, re-seal, rebuild the log, re-sign. */
export async function rewriteSession(
  dir: string,
  edit: (actions: Rec[], key: Awaited<ReturnType<typeof signingKey>>) => Rec[],
  options: { keepOldLeaf?: boolean; target?: (all: readonly Rec[]) => string } = {},
): Promise<void> {
  const key = await signingKey(dir);
  const all = await records(dir);
  const target = (options.target ?? busiest)(all);
  const oldSeal = all.find((r) => r.kind === 'seal' && r.sessionId === target)!;
  const actions = edit(
    all.filter((r) => r.kind === 'action' && r.sessionId === target),
    key,
  );
  const newSeal = reseal(oldSeal, actions, key);
  const others = all.filter((r) => r.sessionId !== target);
  await writeSegments(dir, [...others.map((r) => r.text), ...actions.map((a) => a.text), newSeal.text]);
  const logged = await leaves(dir);
  const next = options.keepOldLeaf
    ? [...logged, newSeal.digest]
    : logged.map((d) => (d === oldSeal.digest ? newSeal.digest : d));
  if (!options.keepOldLeaf) await rewriteLog(dir, next, key);
  else await writeFile(join(dir, TLOG_DIR, LEAVES_FILE), next.map((d) => `${d}\n`).join(''));
}

export function resignAction(
  action: Rec,
  key: Awaited<ReturnType<typeof signingKey>>,
  edit: (p: ActionProof) => void,
): Rec {
  const statement = structuredClone(action.statement) as Statement<ActionProof>;
  edit(statement.predicate);
  const { text, digest } = signed(statement, key);
  return { ...action, text, digest, statement };
}

/** What a careful forger does to a session's actions: edit each, then recompute every digest the verifier
 * recomputes (sections, subject, chain links) and sign them all again, so no content check can tell. */
export function forgeChain(
  actions: readonly Rec[],
  key: Awaited<ReturnType<typeof signingKey>>,
  edit: (p: ActionProof) => void,
): Rec[] {
  const forged: Rec[] = [];
  for (const action of actions)
    forged.push(
      resignAction(action, key, (p) => {
        edit(p);
        p.manifest.previous_bundle = forged.at(-1)?.digest ?? null;
        p.manifest.sections = {
          summary: canonicalDigest(p.summary),
          evidence: canonicalDigest(p.evidence),
          verification: canonicalDigest(p.verification),
        };
      }),
    );
  for (const f of forged) {
    const statement = f.statement as Statement<ActionProof>;
    statement.subject[0]!.digest.sha256 = canonicalDigest(actionIdentity(statement.predicate.summary));
  }
  // Subjects changed after signing above: sign once more, in order, so links follow the final digests.
  const final: Rec[] = [];
  for (const f of forged)
    final.push(
      resignAction(f, key, (p) => {
        p.manifest.previous_bundle = final.at(-1)?.digest ?? null;
      }),
    );
  return final;
}
