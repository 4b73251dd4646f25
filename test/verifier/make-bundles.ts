// A bundle producer for tests only, written from schemas/bundle.ts (not from the assembler, which is built
// concurrently): it signs real DSSE envelopes with real Ed25519 keys, and can be told to misbehave in the
// specific ways the verifier must catch.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  actionIdentity,
  actionSubjectName,
  sessionSubjectName,
  ACTION_PREDICATE_TYPE,
  BUNDLE_SCHEMA_VERSION,
  CHECKPOINTS,
  DSSE_PAYLOAD_TYPE,
  SEAL_FILE_NAME,
  SEAL_PREDICATE_TYPE,
  STATEMENT_TYPE,
  actionBundleFileName,
  storageName,
  type ActionProof,
  type Approval,
  type Checkpoint,
  type DsseEnvelope,
  type Evidence,
  type GraphEdge,
  type GraphNode,
  type ObservationRef,
  type Outcome,
  type Receipt,
  type SessionSeal,
  type Statement,
} from '../../schemas/bundle.js';
import { completenessRatio, expectedReceipts } from '../../schemas/completeness.js';
import { canonicalDigest, canonicalize, sha256Hex } from '../../schemas/digest.js';
import { preAuthEncoding } from '../../schemas/dsse.js';
import type { Route } from '../../schemas/guard.js';
import { PUBLIC_KEY_SET_FILE, keyIdOf, type PublicKeySet } from '../../schemas/keys.js';
import { ed25519NoteSigner, signCheckpoint } from '../../schemas/checkpoint.js';
import { digestLeafHash, merkleRoot, MerkleLog } from '../../schemas/merkle.js';
import { CHECKPOINT_FILE, LEAVES_FILE, ORIGIN_FILE, TLOG_DIR } from '../../schemas/tlog.js';
import type { ObservationKind, RuntimeFamily } from '../../schemas/observation.js';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyid: string;
}

export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyid: keyIdOf(publicKey) };
}

export function publicKeySet(...keys: SigningKey[]): PublicKeySet {
  return {
    keys: keys.map((k) => ({
      keyid: k.keyid,
      alg: 'ed25519',
      public_key: k.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    })),
  };
}

export interface ActionSpec {
  action_id: string;
  tool_name?: string;
  /** Default `block` for a blocked action, else `allow`; null when there is no admissibility receipt. */
  route?: Route;
  outcome?: Outcome;
  /** Receipts actually observed; default: every receipt the family is expected to produce. */
  present?: Checkpoint[];
  /** Labels on the prompt the action descends from; they flow to every node of the slice. */
  promptLabels?: string[];
  approvals?: Omit<Approval, 'observation'>[];
  guardReason?: string;
  guardRule?: string;
  /** Misbehaviour: change the proof before digests and signature are computed (a lying but valid signer). */
  edit?: (proof: ActionProof) => void;
  /** Misbehaviour: change the proof after its manifest digests are computed, before signing. */
  editAfterDigests?: (proof: ActionProof) => void;
  /** Misbehaviour: change the finished statement (its subject) before signing. */
  editStatement?: (statement: Statement<ActionProof>) => void;
}

export interface SessionSpec {
  session_id: string;
  runtime_family: RuntimeFamily;
  actions: ActionSpec[];
  /** Default true. */
  sealed?: boolean;
  /** Misbehaviour (or an older producer): change the seal's statement before signing. */
  editSealStatement?: (statement: Statement<SessionSeal>) => void;
}

export interface BuiltBundle {
  fileName: string;
  envelope: DsseEnvelope;
  digest: string;
}

export interface BuiltSession {
  session_id: string;
  actions: BuiltBundle[];
  seal?: BuiltBundle;
}

const CHECKPOINT_OBSERVATION: Record<Checkpoint, { kind: ObservationKind; name: string; source: string }> = {
  admissibility: { kind: 'guard_decision', name: 'hook:PreToolUse', source: 'hook' },
  open: { kind: 'tool_started', name: 'codex.tool_decision', source: 'codex.log' },
  assumption: { kind: 'assumption', name: 'hook:PreToolUse', source: 'hook' },
  approval: { kind: 'approval', name: 'codex.tool_decision', source: 'codex.log' },
  closure: { kind: 'tool_result', name: 'codex.tool_result', source: 'codex.log' },
};

function observationRef(
  sessionId: string,
  actionId: string,
  checkpoint: Checkpoint,
  index: number,
): ObservationRef {
  return {
    id: sha256Hex(`${sessionId}/${actionId}/${checkpoint}`),
    ...CHECKPOINT_OBSERVATION[checkpoint],
    time_unix_nano: String(1_750_000_000_000_000_000n + BigInt(index)),
  };
}

function signEnvelope(statement: object, key: SigningKey): { envelope: DsseEnvelope; digest: string } {
  const payload = Buffer.from(canonicalize(statement), 'utf8');
  const sig = sign(null, preAuthEncoding(DSSE_PAYLOAD_TYPE, payload), key.privateKey).toString('base64');
  return {
    envelope: {
      payloadType: DSSE_PAYLOAD_TYPE,
      payload: payload.toString('base64'),
      signatures: [{ keyid: key.keyid, sig }],
    },
    digest: sha256Hex(payload),
  };
}

function buildReceipts(
  sessionId: string,
  spec: ActionSpec,
  present: readonly Checkpoint[],
  route: Route | null,
): Receipt[] {
  const receipts: Receipt[] = [];
  CHECKPOINTS.forEach((checkpoint, index) => {
    const observed = present.includes(checkpoint);
    const facts: Record<string, unknown> =
      checkpoint === 'admissibility' && observed
        ? {
            route,
            reason: spec.guardReason ?? 'no rule matched',
            deciding_rule: spec.guardRule ?? null,
            policy_digest: sha256Hex('policy'),
          }
        : {};
    const body: Omit<Receipt, 'digest'> = {
      checkpoint,
      index,
      status: observed ? 'present' : 'missing',
      observations: observed ? [observationRef(sessionId, spec.action_id, checkpoint, index)] : [],
      facts,
      previous: receipts.at(-1)?.digest ?? null,
    };
    receipts.push({ ...body, digest: canonicalDigest(body) });
  });
  return receipts;
}

/** prompt → model request → the action's observations in checkpoint order: a line, so labels reach every node. */
function buildSlice(sessionId: string, spec: ActionSpec, receipts: Receipt[]): Evidence['slice'] {
  const labels = [...(spec.promptLabels ?? [])].sort();
  const prompt = {
    id: sha256Hex(`${sessionId}/${spec.action_id}/prompt`),
    kind: 'prompt' as const,
    name: 'user_prompt',
    labels,
  };
  const request = {
    id: sha256Hex(`${sessionId}/${spec.action_id}/request`),
    kind: 'model_request' as const,
    name: 'api_request',
    labels,
  };
  const own = receipts
    .flatMap((r) => r.observations)
    .map((o) => ({ id: o.id, kind: o.kind, name: o.name, labels }));
  const nodes: GraphNode[] = [prompt, request, ...own];
  const edges: GraphEdge[] = nodes.slice(1).map((node, i) => ({
    from: nodes[i]!.id,
    to: node.id,
    type: i < 2 ? 'causal' : 'same_action',
  }));
  return { roots: own.map((o) => o.id), nodes, edges };
}

function buildActionProof(
  spec: SessionSpec,
  action: ActionSpec,
  sequence: number,
  previous: string | null,
  key: SigningKey,
): ActionProof {
  const outcome = action.outcome ?? 'succeeded';
  const blocked = outcome === 'blocked';
  const intendedRoute = action.route ?? (blocked ? 'block' : 'allow');
  const expected = expectedReceipts(spec.runtime_family, {
    refused: blocked,
    gated: intendedRoute === 'approval_gate',
  });
  const present = action.present ?? expected;
  const route = present.includes('admissibility') ? intendedRoute : null;
  const receipts = buildReceipts(spec.session_id, action, present, route);
  const observed = CHECKPOINTS.filter((c) => present.includes(c));
  const rho = completenessRatio(expected, observed);
  const approvalObservation = receipts.find((r) => r.checkpoint === 'approval')?.observations[0]?.id ?? '';
  const proof: ActionProof = {
    summary: {
      session_id: spec.session_id,
      turn_id: 'turn-1',
      action_id: action.action_id,
      runtime_family: spec.runtime_family,
      tool_name: action.tool_name ?? 'Bash',
      input_digest: sha256Hex(`input of ${action.action_id}`),
      route,
      enforceability: 'runtime_enforced',
      outcome,
      completeness: { expected, observed, missing: expected.filter((c) => !observed.includes(c)), rho },
      started_at: `2025-06-15T10:00:${String(sequence).padStart(2, '0')}Z`,
      ended_at: blocked ? null : `2025-06-15T10:00:${String(sequence).padStart(2, '0')}.5Z`,
    },
    evidence: {
      receipts,
      slice: buildSlice(spec.session_id, action, receipts),
      approvals: (action.approvals ?? []).map((a) => ({ ...a, observation: approvalObservation })),
      obligations: [],
    },
    verification: {
      checks: [{ name: 'receipt_chain', ok: true, detail: '' }],
      completeness_verdict: rho === 1 ? 'complete' : 'incomplete',
    },
    manifest: {
      schema_version: BUNDLE_SCHEMA_VERSION,
      assembler_version: 'test-producer',
      policy_digest: sha256Hex('policy'),
      signer_keyid: key.keyid,
      session_id: spec.session_id,
      action_id: action.action_id,
      sequence,
      previous_bundle: previous,
      sections: { summary: '', evidence: '', verification: '' },
    },
  };
  action.edit?.(proof);
  proof.manifest.sections = {
    summary: canonicalDigest(proof.summary),
    evidence: canonicalDigest(proof.evidence),
    verification: canonicalDigest(proof.verification),
  };
  action.editAfterDigests?.(proof);
  return proof;
}

export function buildSession(spec: SessionSpec, key: SigningKey): BuiltSession {
  const actions: BuiltBundle[] = [];
  spec.actions.forEach((action, sequence) => {
    const proof = buildActionProof(spec, action, sequence, actions.at(-1)?.digest ?? null, key);
    const statement: Statement<ActionProof> = {
      _type: STATEMENT_TYPE,
      subject: [
        {
          name: actionSubjectName(spec.session_id, action.action_id),
          digest: { sha256: canonicalDigest(actionIdentity(proof.summary)) },
        },
      ],
      predicateType: ACTION_PREDICATE_TYPE,
      predicate: proof,
    };
    action.editStatement?.(statement);
    actions.push({
      fileName: actionBundleFileName(sequence, action.action_id),
      ...signEnvelope(statement, key),
    });
  });
  if (spec.sealed === false) return { session_id: spec.session_id, actions };
  const digests = actions.map((a) => a.digest);
  const observationIds = spec.actions
    .flatMap((a) => [sha256Hex(`${spec.session_id}/${a.action_id}/prompt`)])
    .sort();
  const seal: SessionSeal = {
    schema_version: BUNDLE_SCHEMA_VERSION,
    assembler_version: 'test-producer',
    signer_keyid: key.keyid,
    session_id: spec.session_id,
    runtime_family: spec.runtime_family,
    count: actions.length,
    merkle_root: merkleRoot(digests),
    last_bundle: digests.at(-1) ?? null,
    observations: { count: observationIds.length, merkle_root: merkleRoot(observationIds) },
    reason: 'session_end',
  };
  const statement: Statement<SessionSeal> = {
    _type: STATEMENT_TYPE,
    subject: [{ name: sessionSubjectName(spec.session_id), digest: { sha256: seal.merkle_root } }],
    predicateType: SEAL_PREDICATE_TYPE,
    predicate: seal,
  };
  spec.editSealStatement?.(statement);
  return {
    session_id: spec.session_id,
    actions,
    seal: { fileName: SEAL_FILE_NAME, ...signEnvelope(statement, key) },
  };
}

/**
 * Writes `<dir>/bundles/<session>/…` (the exported layout), the transparency log over the seals (`tlog/`,
 * a leaf per seal in session order, checkpoint signed by `key`) unless `log` is false, and, unless told not
 * to, `<dir>/keys/public-keys.json` for `key`.
 */
export async function writeDataDir(
  dir: string,
  sessions: SessionSpec[],
  key: SigningKey,
  options: { publishKey?: boolean; log?: boolean } = {},
): Promise<BuiltSession[]> {
  const built = sessions.map((spec) => buildSession(spec, key));
  for (const session of built) {
    const sessionDir = join(dir, 'bundles', storageName(session.session_id));
    await mkdir(sessionDir, { recursive: true });
    for (const bundle of [...session.actions, ...(session.seal ? [session.seal] : [])]) {
      await writeFile(join(sessionDir, bundle.fileName), JSON.stringify(bundle.envelope, null, 2));
    }
  }
  if (options.log !== false)
    await writeLog(
      dir,
      built.flatMap((s) => (s.seal ? [s.seal.digest] : [])),
      key,
    );
  if (options.publishKey !== false) await writeKeySet(join(dir, 'keys', PUBLIC_KEY_SET_FILE), key);
  return built;
}

export const TEST_ORIGIN = 'proofline.dev/tlog/00000000000000000000000000000001';

/** A transparency log over `sealDigests` (schemas/tlog.ts) with a checkpoint `key` signed; returns the note. */
export async function writeLog(
  dir: string,
  sealDigests: readonly string[],
  key: SigningKey,
): Promise<string> {
  const tlog = join(dir, TLOG_DIR);
  await mkdir(tlog, { recursive: true });
  await writeFile(join(tlog, ORIGIN_FILE), `${TEST_ORIGIN}\n`);
  await writeFile(join(tlog, LEAVES_FILE), sealDigests.map((d) => `${d}\n`).join(''));
  const note = checkpointOver(sealDigests, key);
  await writeFile(join(tlog, CHECKPOINT_FILE), note);
  return note;
}

/** The signed checkpoint of a log of `sealDigests`, as the server would publish it. */
export function checkpointOver(
  sealDigests: readonly string[],
  key: SigningKey,
  origin = TEST_ORIGIN,
): string {
  const tree = MerkleLog.fromLeafHashes(sealDigests.map(digestLeafHash));
  return signCheckpoint({ origin, size: tree.size, rootHash: tree.root(), extensions: [] }, [
    ed25519NoteSigner(origin, key.privateKey),
  ]);
}

export async function writeKeySet(file: string, ...keys: SigningKey[]): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, JSON.stringify(publicKeySet(...keys), null, 2));
}
