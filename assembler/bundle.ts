// The action proof (schemas/bundle.ts): certificate + slice + checks → summary, evidence, verification,
// manifest → in-toto Statement. Everything here is a pure function of its inputs; no wall-clock time enters.
import {
  ACTION_PREDICATE_TYPE,
  actionIdentity,
  actionSubjectName,
  BUNDLE_SCHEMA_VERSION,
  STATEMENT_TYPE,
  type ActionProof,
  type BundleDigest,
  type Evidence,
  type Obligation,
  type Statement,
  type Summary,
  type Verification,
} from '../schemas/bundle.js';
import { canonicalDigest } from '../schemas/digest.js';
import type { ActionCertificate } from './checkpoints.js';
import type { Slice } from './graph.js';

/** Where the bundle goes in its session's chain. */
export interface ChainPosition {
  sequence: number;
  previousBundle: BundleDigest | null;
}

export interface ProofContext extends ChainPosition {
  assemblerVersion: string;
  signerKeyid: string;
  /** The key was readable by others (--allow-insecure-key): recorded in the manifest. */
  insecureKey?: boolean;
}

/** `obligations`: those the action created, discharged or waived (obligations.ts). */
export function buildActionProof(
  cert: ActionCertificate,
  slice: Slice,
  verification: Verification,
  obligations: Obligation[],
  context: ProofContext,
): ActionProof {
  const summary: Summary = {
    session_id: cert.sessionId,
    turn_id: cert.turnId,
    action_id: cert.actionId,
    runtime_family: cert.runtimeFamily,
    tool_name: cert.toolName,
    ...(cert.toolAliases.length > 0 ? { tool_aliases: cert.toolAliases } : {}),
    input_digest: cert.inputDigest,
    route: cert.route,
    enforceability: cert.enforceability,
    outcome: cert.outcome,
    completeness: cert.completeness,
    started_at: cert.startedAt,
    ended_at: cert.endedAt,
  };
  const evidence: Evidence = {
    receipts: cert.receipts,
    slice,
    approvals: cert.approvals,
    obligations,
  };
  return {
    summary,
    evidence,
    verification,
    manifest: {
      schema_version: BUNDLE_SCHEMA_VERSION,
      assembler_version: context.assemblerVersion,
      policy_digest: cert.policyDigest,
      signer_keyid: context.signerKeyid,
      ...(context.insecureKey ? { insecure_key: true as const } : {}),
      session_id: cert.sessionId,
      action_id: cert.actionId,
      sequence: context.sequence,
      previous_bundle: context.previousBundle,
      sections: {
        summary: canonicalDigest(summary),
        evidence: canonicalDigest(evidence),
        verification: canonicalDigest(verification),
      },
    },
  };
}

/** The subject digest: which action this is (schemas/bundle.ts#actionIdentity), not how it ended. */
export function actionSubjectDigest(summary: Summary): string {
  return canonicalDigest(actionIdentity(summary));
}

export function actionStatement(proof: ActionProof): Statement<ActionProof> {
  const { summary } = proof;
  return {
    _type: STATEMENT_TYPE,
    subject: [
      {
        name: actionSubjectName(summary.session_id, summary.action_id),
        digest: { sha256: actionSubjectDigest(summary) },
      },
    ],
    predicateType: ACTION_PREDICATE_TYPE,
    predicate: proof,
  };
}
