// What the pipeline wrote for the corpus, read back: each action's bundle (by session and action id) with its
// manifest digest, and each session's seal. Read without verification: what to trust is the caller's choice.
import { type ActionProof, type DsseEnvelope, type SessionSeal, type Statement } from '../schemas/bundle.js';
import { canonicalDigest } from '../schemas/digest.js';
import { readRecords } from '../schemas/segment.js';

export interface ActionEvidence {
  file: string;
  proof: ActionProof;
  /** sha256 of the canonical manifest: equal digests mean equal sections, position and chain link. */
  manifestDigest: string;
}

export interface Evidence {
  actions: Map<string, ActionEvidence>;
  seals: Map<string, SessionSeal>;
}

export function actionKey(sessionId: string, actionId: string): string {
  return `${sessionId}/${actionId}`;
}

export async function readEvidence(dataDir: string): Promise<Evidence> {
  const actions = new Map<string, ActionEvidence>();
  const seals = new Map<string, SessionSeal>();
  for await (const record of readRecords(dataDir)) {
    const predicate = record.statement.predicate;
    if (record.kind === 'seal') {
      const seal = predicate as SessionSeal;
      seals.set(seal.session_id, seal);
    } else {
      const proof = predicate as ActionProof;
      actions.set(actionKey(proof.summary.session_id, proof.summary.action_id), {
        file: `${record.path}:${record.position.line}`,
        proof,
        manifestDigest: canonicalDigest(proof.manifest),
      });
    }
  }
  return { actions, seals };
}

export function readStatement(envelopeText: string): Statement<unknown> {
  const envelope = JSON.parse(envelopeText) as DsseEnvelope;
  return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Statement<unknown>;
}
