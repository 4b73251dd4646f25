// An approval answered with a signed grant (`proofline approve`), as the `approval` observation the assembler
// joins to the retried call by `proofline.approval.id` (schemas/observations.md, "Guard decisions from the
// policy engine"). The signed grant itself travels in `proofline.approval.grant`, so the bundle carries what
// an auditor needs to check the approver's signature offline.
import { canonicalDigest, canonicalize } from '../../schemas/digest.js';
import type { Observation } from '../../schemas/observation.js';
import { makeObservation } from '../normalize/observation.js';
import type { ApprovalGrant } from './approvals.js';
import { ATTR } from '../../schemas/attributes.js';

export const APPROVAL_SOURCE = 'proofline approve';

export function approvalObservation(grant: ApprovalGrant, observedUnixNano: string): Observation {
  return makeObservation(
    {
      source: 'hook',
      runtime_family: grant.runtime_family,
      session_id: grant.session_id,
      kind: 'approval',
      name: 'proofline:approve',
      // The approver's act is the event, so its time is the runtime time; re-posting the same grant is
      // idempotent (approvals.ts) and publishes nothing new.
      time_unix_nano: (BigInt(grant.granted_at_ms) * 1_000_000n).toString(),
      attrs: {
        [ATTR.approvalSource]: APPROVAL_SOURCE,
        // A registered name (schemas/approvers.ts): no secret can be in it.
        [ATTR.approvalApprover]: grant.approver,
        [ATTR.approvalKeyid]: grant.keyid,
        [ATTR.approvalDecision]: grant.decision,
        [ATTR.approvalId]: grant.id,
        [ATTR.approvalGrant]: canonicalize(grant.grant),
        [ATTR.actionDigest]: grant.action_digest,
        [ATTR.enforceability]: 'approval_orchestrated',
        [ATTR.toolName]: grant.tool_name,
        ...(grant.rule === undefined ? {} : { [ATTR.approvalRule]: grant.rule }),
      },
      raw_digest: canonicalDigest(grant),
    },
    observedUnixNano,
  );
}
