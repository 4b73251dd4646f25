// The contract between the assembler and the verifier (ARCHITECTURE.md §5): a DSSE envelope over an in-toto
// Statement v1 whose predicate is the action's proof, plus a per-session seal. All digests are sha256 hex
// over RFC 8785 canonical JSON (schemas/digest.ts) unless a field says otherwise.
import type { ApprovalGrantEnvelope } from './approval-grant.js';
import { canonicalDigest, sha256Hex } from './digest.js';
import type { EnforceabilityClass, Route } from './guard.js';
import type { ObservationKind, RuntimeFamily } from './observation.js';

export const BUNDLE_SCHEMA_VERSION = 'proofline.bundle/v1';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
// The predicate type URIs (and the legacy ones still read) live in type-uris.ts, with the grant's.
export { ACTION_PREDICATE_TYPE, SEAL_PREDICATE_TYPE, predicateKind } from './type-uris.js';

export const CHECKPOINTS = ['admissibility', 'open', 'assumption', 'approval', 'closure'] as const;
export type Checkpoint = (typeof CHECKPOINTS)[number];

// ---- DSSE + in-toto -------------------------------------------------------------------------------------

// The envelope is DSSE's (schemas/dsse.ts); it is re-exported here with the statement it carries.
export { DSSE_PAYLOAD_TYPE, type DsseEnvelope, type DsseSignature } from './dsse.js';

export interface Statement<P> {
  _type: typeof STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: P;
}

// ---- Action proof ---------------------------------------------------------------------------------------

export const OUTCOMES = [
  'succeeded',
  'failed',
  /** Blocked before execution, and no execution record exists: non-execution proof. */
  'blocked',
  /** Closed at session end or idle timeout with no outcome seen. */
  'unknown',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Completeness {
  expected: Checkpoint[];
  observed: Checkpoint[];
  missing: Checkpoint[];
  /** |expected ∩ observed| / |expected|, rounded to 6 decimals; 1 when nothing is expected. */
  rho: number;
}

export interface Summary {
  session_id: string;
  turn_id: string | null;
  action_id: string;
  runtime_family: RuntimeFamily;
  /** The tool's canonical name (schemas/tool-names.ts), the same whichever of the runtime's records came first. */
  tool_name: string | null;
  /** The runtime's other names for the tool, as its records carried them (Codex hooks: `Bash`), sorted.
   * Absent in bundles made before canonical names, and when the records used only the canonical name. */
  tool_aliases?: string[];
  /** sha256 of the command/arguments text; the text itself is not in the bundle. */
  input_digest: string | null;
  route: Route | null;
  enforceability: EnforceabilityClass | null;
  outcome: Outcome;
  completeness: Completeness;
  /** Runtime event times (RFC 3339), never proofline's wall clock. */
  started_at: string | null;
  ended_at: string | null;
}

export interface ObservationRef {
  id: string;
  kind: ObservationKind;
  name: string;
  source: string;
  time_unix_nano: string;
}

export interface Receipt {
  checkpoint: Checkpoint;
  index: number;
  status: 'present' | 'missing';
  /** The observations that support it (ids are their sha256 digests). */
  observations: ObservationRef[];
  /** Checkpoint-specific facts (decision + policy digest, cwd + git HEAD, approval source, exit status...). */
  facts: Record<string, unknown>;
  /** Digest of the previous receipt in this certificate; null for the first. */
  previous: string | null;
  /** Digest of this receipt without this field. */
  digest: string;
}

/** A receipt's own digest (what the next receipt's `previous` names): over everything but the digest field. */
export function receiptDigest(receipt: Omit<Receipt, 'digest'> | Receipt): string {
  const { checkpoint, index, status, observations, facts, previous } = receipt;
  return canonicalDigest({ checkpoint, index, status, observations, facts, previous });
}

export interface GraphNode {
  id: string;
  kind: ObservationKind;
  name: string;
  labels: string[];
}

export const EDGE_TYPES = ['causal', 'parent_child', 'depends_on', 'same_action'] as const;
export type EdgeType = (typeof EDGE_TYPES)[number];

export interface GraphEdge {
  from: string;
  to: string;
  type: EdgeType;
}

export const APPROVAL_DECISIONS = ['approved', 'denied', 'expired'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** The approval receipt's facts: the decision the answers add up to, their sources and enforceability, and —
 * when `proofline approve` answered — `grants`, the signed grants themselves (schemas/approval-grant.ts), which
 * the verifier's `approval_signature` check verifies against the approvers an auditor trusts. */
export interface ApprovalReceiptFacts {
  decision: ApprovalDecision | null;
  sources: string[];
  enforceability: EnforceabilityClass[];
  grants?: ApprovalGrantEnvelope[];
}

export interface Approval {
  source: string;
  /** `expired`: the runtime stopped waiting for an answer (proofline/sdk's waitForApproval timed out). */
  decision: ApprovalDecision;
  approver: string | null;
  enforceability: EnforceabilityClass;
  observation: string;
}

/**
 * A duty an action's guard decision created (schemas/observations.md, `proofline.obligations`), judged on
 * runtime times only: due `within_ms` after the creating action's runtime time; `discharged` when a later
 * action discharged it at or before the due time; `waived` when a dispensation waived it; `violated` when the
 * session's runtime time passed the due time first, or the discharge came after it; otherwise `open`.
 */
export const OBLIGATION_STATUSES = ['open', 'discharged', 'violated', 'waived'] as const;
export type ObligationStatus = (typeof OBLIGATION_STATUSES)[number];

export interface Obligation {
  id: string;
  rule_id: string;
  status: ObligationStatus;
  /** Null when the creating action has no runtime time: such an obligation is never judged late. */
  due_unix_nano: string | null;
  // The fields below were added with obligation tracking; optional so that bundles made before it still read.
  /** The duty as the policy words it. */
  duty?: string;
  /** The action whose guard decision created it. */
  created_by?: string;
  /** The action that discharged it, in time or (status violated) too late; null while none has. */
  discharged_by?: string | null;
  /** That action's runtime time. */
  discharged_unix_nano?: string | null;
  /** The action whose dispensation waived it; null while none has. */
  waived_by?: string | null;
}

export interface Evidence {
  receipts: Receipt[];
  /** The action's backward slice in the session dependency graph, taken from `roots`: the action's own
   * observations (every record that carries its action id, cited by a receipt or not). */
  slice: {
    roots: string[];
    nodes: GraphNode[];
    edges: GraphEdge[];
    /** Nodes listed here whose own dependencies an earlier bundle of the session lists (and so are not
     * repeated); absent when there are none, and in bundles made before it was added. */
    frontier?: string[];
  };
  approvals: Approval[];
  /** The obligations this action created, discharged or waived, with their status as of the action's latest
   * runtime time (the session seal has the final ones). */
  obligations: Obligation[];
}

export interface VerificationCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Verification {
  checks: VerificationCheck[];
  completeness_verdict: 'complete' | 'incomplete';
}

export interface Manifest {
  schema_version: typeof BUNDLE_SCHEMA_VERSION;
  assembler_version: string;
  policy_digest: string | null;
  signer_keyid: string;
  /** Present (true) only when the server signed with a key that others could read, because it was started
   * with --allow-insecure-key: a reader then knows the signature may not be the server's. */
  insecure_key?: true;
  session_id: string;
  action_id: string;
  /** 0-based position of this bundle in its session's chain. */
  sequence: number;
  /** Bundle digest of the previous action bundle in the same session; null for the first. */
  previous_bundle: string | null;
  sections: { summary: string; evidence: string; verification: string };
}

export interface ActionProof {
  summary: Summary;
  evidence: Evidence;
  verification: Verification;
  manifest: Manifest;
}

/** Why a session was sealed; `quarantined`: the assembler could not process it and set it aside (its records
 * went to the dead letters): the seal records that, and why, so the evidence says the session is incomplete. */
export const SEAL_REASONS = ['session_end', 'idle_timeout', 'flush', 'quarantined'] as const;
export type SealReason = (typeof SEAL_REASONS)[number];

// ---- Session seal ---------------------------------------------------------------------------------------

export interface SessionSeal {
  schema_version: typeof BUNDLE_SCHEMA_VERSION;
  assembler_version: string;
  signer_keyid: string;
  /** As in the manifest: only when the signing key was readable by group or others. */
  insecure_key?: true;
  session_id: string;
  runtime_family: RuntimeFamily;
  /** Number of action bundles the seal covers (all of the session's, in chain order). */
  count: number;
  /** RFC 6962 Merkle tree hash over the bundle digests in chain order (schemas/merkle.ts). */
  merkle_root: string;
  last_bundle: string | null;
  /** Every observation the session received, bundled or not: count and RFC 6962 root over the ids sorted
   * ascending, so an acknowledged record that went missing is detectable. */
  observations: { count: number; merkle_root: string };
  /** Why the session was sealed. */
  reason: SealReason;
  /** Every obligation the session's actions created, with its final status as of the session's latest runtime
   * time (one not yet due then stays `open`), in creation order. Absent when the session created none, and in
   * seals made before obligation tracking. */
  obligations?: Obligation[];
  /** Records that arrived for an action after its bundle was signed: counted in `observations`, in no bundle.
   * Absent when there were none, and in seals made before they were counted. Records that arrive after the
   * seal are in no seal; the assembler logs them per session. */
  late_records?: number;
  /** With reason `quarantined`: what the assembler could not process. */
  quarantine?: { reason: string };
}

/** A bundle's digest: sha256 of its DSSE payload bytes (the canonical Statement). */
export type BundleDigest = string;

// ---- Exported files ---------------------------------------------------------------------------------------

const PLAIN_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

/**
 * The file-system name for an id from the wire (a session, action or call id the agent may have chosen): the
 * id itself when it is a short plain name, otherwise `~` and the sha256 of the id. Injective (a plain name
 * never starts with `~`; two different ids never share a digest), at most 65 characters, never `.` or `..`,
 * and never a path. The id itself is inside the signed statement, so nothing is lost.
 */
export function storageName(id: string): string {
  return PLAIN_NAME.test(id) ? id : `~${sha256Hex(id)}`;
}

/** `proofline export` writes `<out>/bundles/<storageName(session_id)>/` with these file names in it. */
export function actionBundleFileName(sequence: number, actionId: string): string {
  return `${String(sequence).padStart(6, '0')}-${storageName(actionId)}.dsse.json`;
}
export const SEAL_FILE_NAME = 'seal.dsse.json';
/** Where exported bundle files go inside a data directory (or an export). */
export const BUNDLES_DIR = 'bundles';

// ---- Subjects -------------------------------------------------------------------------------------------

export function actionSubjectName(sessionId: string, actionId: string): string {
  return `action:${sessionId}/${actionId}`;
}

/** The fields that say *which* action a bundle is about (not how it ended); the subject digest is the
 * canonical digest of these, so two bundles about the same call share a subject and a verifier can
 * recompute it from the summary alone. */
export function actionIdentity(summary: Summary): Record<string, unknown> {
  const { session_id, turn_id, action_id, runtime_family, tool_name, input_digest } = summary;
  return { session_id, turn_id, action_id, runtime_family, tool_name, input_digest };
}

export function sessionSubjectName(sessionId: string): string {
  return `session:${sessionId}`;
}
