// One guard decision in its session: the guard is asked with the session's ancestry, behind proofline's
// built-in self-protection (policy/self-protection.ts), an approval_gate is lifted by an unused signed grant
// for exactly this action, and the decision says which of the session's open
// obligations it creates, discharges and waives. Nothing changes until the caller has recorded the decision
// durably (`commit`); a decision that could not be recorded is refused by the hook, so it takes nothing
// (`abandon` gives a taken grant back).
import {
  settleObligations,
  type ObligationSettlement,
  type OpenObligation,
} from '../../policy/engine/index.js';
import { approvalRuleId, type DecisionContext, type RecordedObligation } from '../../schemas/decision.js';
import { canonicalDigest } from '../../schemas/digest.js';
import type { Guard, GuardDecision, GuardRequest } from '../../schemas/guard.js';
import { SelfProtection } from '../../policy/self-protection.js';
import { redactSecrets } from '../../schemas/redact.js';
import { actionDigest, approvalIdOf, ApprovalStore, type ApprovalGrant } from './approvals.js';
import { SessionConfinements } from './session-confinement.js';
import { SessionContexts } from './session-context.js';

export interface SessionDecision {
  /** What the runtime is told, and what is recorded. */
  decision: GuardDecision;
  context: DecisionContext;
  /** The decision is durably recorded: the session and the approvals move on. */
  commit(): void;
  /** The decision could not be recorded and the call is refused: give back what it took. */
  abandon(): void;
}

/** `sha256` of the canonical `{session_id, action_id, rule_id}`: the same duty of the same call has one id,
 * however often its hook call is delivered. */
export function obligationId(sessionId: string, actionId: string | undefined, ruleId: string): string {
  return canonicalDigest({ session_id: sessionId, action_id: actionId, rule_id: ruleId });
}

const NOTHING_SETTLED: ObligationSettlement = { discharges: [], waives: [] };

export class SessionGuard {
  constructor(
    readonly sessions: SessionContexts = new SessionContexts(),
    readonly approvals: ApprovalStore = new ApprovalStore(),
    /** In front of every policy; the default protects what every deployment has (ARCHITECTURE.md §8). */
    readonly protection: SelfProtection = new SelfProtection(),
    /** The runtime's sandbox and approval policy per turn, read from its transcript (a hook's question). */
    readonly confinements: SessionConfinements = new SessionConfinements(),
  ) {}

  /** `postHoc`: the action already ran (a runtime without a guard); the decision is recorded, enforces
   * nothing, asks for no approval, and the action joins the session's ancestry whatever the route. */
  decide(guard: Guard, request: GuardRequest, { postHoc = false } = {}): SessionDecision {
    const sessionId = request.session_id;
    const session = this.sessions.ancestry(sessionId);
    const asked: GuardRequest = { ...request, session };
    const digest = actionDigest(asked);
    const asJudged = this.protection.decide(guard, asked);
    const judged: GuardDecision = postHoc ? { ...asJudged, enforceability: 'post_hoc_observed' } : asJudged;
    // A PermissionRequest escalates an action already decided, so it reads the session but neither adds to it
    // nor asks for or uses approvals; every other question (PreToolUse, POST /v1/decide) proposes one.
    const proposes = request.event !== 'PermissionRequest';
    const gated = proposes && !postHoc && judged.route === 'approval_gate';
    const grant = gated ? this.approvals.take(digest) : undefined;
    const approvalId = gated ? approvalIdOf(digest) : undefined;
    const decision = grant
      ? approvedDecision(judged, grant)
      : proposes && !postHoc
        ? withRuntimeGuidance(judged, approvalId, request)
        : judged;

    const runs = proposes && (postHoc || decision.verdict === 'allow');
    const settlement = runs
      ? settleObligations(guard, asked, decision, this.sessions.openObligations(sessionId))
      : NOTHING_SETTLED;
    const opened: Array<OpenObligation & RecordedObligation> = runs
      ? (decision.obligations ?? []).map((duty) => ({
          id: obligationId(sessionId, request.action_id, duty.rule),
          rule_id: duty.rule,
          duty: duty.duty,
          within_ms: duty.within_ms,
          after: duty.after,
        }))
      : [];

    return {
      decision,
      context: {
        request: asked,
        session,
        action_digest: digest,
        ...(approvalId === undefined ? {} : { approval_id: approvalId }),
        obligations: opened.map(({ id, rule_id, duty, within_ms }) => ({ id, rule_id, duty, within_ms })),
        discharges: settlement.discharges,
        waives: settlement.waives,
      },
      commit: () => {
        if (runs) {
          this.sessions.record(sessionId, {
            labels: decision.labels ?? [],
            data_classes: decision.data_classes ?? [],
            ...(decision.tainted_writes ? { tainted_writes: decision.tainted_writes } : {}),
            opened,
            settled: [...settlement.discharges, ...settlement.waives],
          });
        }
        if (gated && !grant && approvalId !== undefined) {
          this.approvals.request({
            id: approvalId,
            action_digest: digest,
            session_id: sessionId,
            runtime_family: request.runtime_family,
            tool_name: request.tool_name,
            ...(request.command === undefined ? {} : { command: redactSecrets(request.command) }),
            ...(judged.deciding_rule === undefined ? {} : { rule: judged.deciding_rule }),
            reason: judged.reason,
          });
        }
      },
      abandon: () => {
        if (grant) this.approvals.restore(grant);
      },
    };
  }
}

/** The call a grant lets through: allowed once, on the approver's signed word, recorded under the grant's id. */
function approvedDecision(judged: GuardDecision, grant: ApprovalGrant): GuardDecision {
  const approved: GuardDecision = {
    ...judged,
    route: 'allow',
    verdict: 'allow',
    deciding_rule: approvalRuleId(grant.id),
    reason: `approved by ${grant.approver} (grant signed with key ${grant.keyid.slice(0, 16)}); the policy asked: ${judged.reason}`,
    enforceability: 'approval_orchestrated',
  };
  // The gate's "requires approval" message no longer holds.
  delete approved.system_message;
  return approved;
}

/**
 * A deny must say what would let the call through. For an approval_gate the model is told only that the call
 * awaits a human's approval: the approval id and the command that grants it go to the human (the hook's
 * `systemMessage`, which Codex shows the user, and the server log), never into the agent's context, where a
 * poisoned agent would read them as an instruction.
 */
function withRuntimeGuidance(
  judged: GuardDecision,
  approvalId: string | undefined,
  request: GuardRequest,
): GuardDecision {
  if (judged.verdict !== 'deny') return judged;
  if (judged.route === 'approval_gate' && approvalId !== undefined) {
    const what =
      request.command === undefined
        ? request.tool_name
        : `${request.tool_name} \`${redactSecrets(request.command)}\``;
    return {
      ...judged,
      reason: `${judged.reason}. This call awaits a human's approval, which proofline has requested; it cannot be approved from this session. Once the user says it is approved, retry the same call unchanged`,
      system_message: `proofline: approval ${approvalId} requested for ${what}${judged.deciding_rule ? ` (rule ${judged.deciding_rule})` : ''}. An approver grants it once with: proofline approve ${approvalId} --key <approver key>`,
    };
  }
  if (judged.route === 'simulate_first') {
    return {
      ...judged,
      reason: `${judged.reason}. Simulate it first: proofline knows no dry-run form of this command, so run a dry run or plan of it by hand before the real thing`,
    };
  }
  return judged;
}
