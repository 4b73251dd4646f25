// Every type URI proofline defines: lower case, under one namespace, documented field by field in
// schemas/predicates.md. A bundle, seal or grant written before the move to this namespace carries one of the
// LEGACY names; readers accept those for what is already written, and nothing writes them any more.

export const TYPE_NAMESPACE = 'https://proofline.dev/attestation/';

/** The predicate of an action bundle (schemas/bundle.ts ActionProof). */
export const ACTION_PREDICATE_TYPE = `${TYPE_NAMESPACE}action-proof/v1`;
/** The predicate of a session seal (schemas/bundle.ts SessionSeal). */
export const SEAL_PREDICATE_TYPE = `${TYPE_NAMESPACE}session-seal/v1`;
/** The `_type` of a signed approval grant's statement (schemas/approval-grant.ts). */
export const APPROVAL_GRANT_TYPE = `${TYPE_NAMESPACE}approval-grant/v1`;

/** Read, never written: the names used before the namespace (bundles already written carry them). */
export const LEGACY_ACTION_PREDICATE_TYPE = 'https://proofline.dev/ActionProof/v1';
export const LEGACY_SEAL_PREDICATE_TYPE = 'https://proofline.dev/SessionSeal/v1';
export const LEGACY_APPROVAL_GRANT_TYPE = 'https://proofline.dev/ApprovalGrant/v1';

export const ACTION_PREDICATE_TYPES = [ACTION_PREDICATE_TYPE, LEGACY_ACTION_PREDICATE_TYPE] as const;
export const SEAL_PREDICATE_TYPES = [SEAL_PREDICATE_TYPE, LEGACY_SEAL_PREDICATE_TYPE] as const;
export const APPROVAL_GRANT_TYPES = [APPROVAL_GRANT_TYPE, LEGACY_APPROVAL_GRANT_TYPE] as const;

/** What a statement's predicateType says it is: an action bundle, a seal, or neither. */
export function predicateKind(predicateType: unknown): 'action' | 'seal' | undefined {
  if ((ACTION_PREDICATE_TYPES as readonly unknown[]).includes(predicateType)) return 'action';
  if ((SEAL_PREDICATE_TYPES as readonly unknown[]).includes(predicateType)) return 'seal';
  return undefined;
}
