// The session seal (schemas/bundle.ts#SessionSeal): a signed Merkle commitment to every action bundle of
// the session in chain order and to every observation it received, so a removed, reordered or truncated
// bundle — or an acknowledged record that never made it into the session — is detectable.
import {
  BUNDLE_SCHEMA_VERSION,
  SEAL_PREDICATE_TYPE,
  STATEMENT_TYPE,
  sessionSubjectName,
  type BundleDigest,
  type Obligation,
  type SessionSeal,
  type Statement,
} from '../schemas/bundle.js';
import { merkleRoot } from '../schemas/merkle.js';
import type { RuntimeFamily } from '../schemas/observation.js';

export interface SealInput {
  sessionId: string;
  runtimeFamily: RuntimeFamily;
  /** Bundle digests in chain order (sequence 0 first). */
  bundleDigests: readonly BundleDigest[];
  observationIds: readonly string[];
  reason: SessionSeal['reason'];
  assemblerVersion: string;
  signerKeyid: string;
  /** The key was readable by others (--allow-insecure-key): recorded in the seal. */
  insecureKey?: boolean;
  /** Final statuses (obligations.ts#sessionObligations); undefined when the session created none. */
  obligations: Obligation[] | undefined;
  /** Records that arrived for an action already bundled. */
  lateRecords?: number;
  /** With reason `quarantined`: why the session was set aside. */
  quarantineReason?: string;
}

export function buildSessionSeal(input: SealInput): SessionSeal {
  const observationIds = [...new Set(input.observationIds)].sort();
  return {
    schema_version: BUNDLE_SCHEMA_VERSION,
    assembler_version: input.assemblerVersion,
    signer_keyid: input.signerKeyid,
    ...(input.insecureKey ? { insecure_key: true as const } : {}),
    session_id: input.sessionId,
    runtime_family: input.runtimeFamily,
    count: input.bundleDigests.length,
    merkle_root: merkleRoot(input.bundleDigests),
    last_bundle: input.bundleDigests.at(-1) ?? null,
    observations: { count: observationIds.length, merkle_root: merkleRoot(observationIds) },
    reason: input.reason,
    // Left out rather than empty, so a session without obligations seals exactly as before they existed.
    ...(input.obligations === undefined ? {} : { obligations: input.obligations }),
    ...(input.lateRecords ? { late_records: input.lateRecords } : {}),
    ...(input.quarantineReason === undefined ? {} : { quarantine: { reason: input.quarantineReason } }),
  };
}

/** Subject `session:<id>`, digest = the bundle Merkle root: the seal attests to exactly that tree. */
export function sealStatement(seal: SessionSeal): Statement<SessionSeal> {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: sessionSubjectName(seal.session_id), digest: { sha256: seal.merkle_root } }],
    predicateType: SEAL_PREDICATE_TYPE,
    predicate: seal,
  };
}
