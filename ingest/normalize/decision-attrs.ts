// A guard decision as observation attributes (schemas/observations.md, `proofline.route` … and "Guard decisions
// from the policy engine"), the same whichever route asked: a Codex hook or POST /v1/decide.
import { canonicalize } from '../../schemas/digest.js';
import type { EnforceabilityClass, GuardDecision } from '../../schemas/guard.js';
import type { AttrValue } from '../../schemas/observation.js';
import type { DecisionContext } from '../../schemas/decision.js';
import { redactSecrets } from '../../schemas/redact.js';
import { ATTR } from '../../schemas/attributes.js';

/** `defaultEnforceability` applies when the guard does not classify it (the simple rule file). */
export function decisionAttrs(
  decision: GuardDecision,
  defaultEnforceability: EnforceabilityClass,
  context: DecisionContext | undefined,
): Record<string, AttrValue> {
  return {
    [ATTR.route]: decision.route,
    [ATTR.verdict]: decision.verdict,
    [ATTR.reason]: redactSecrets(decision.reason),
    ...(decision.deciding_rule ? { [ATTR.rule]: decision.deciding_rule } : {}),
    [ATTR.matchedRules]: canonicalize(decision.matched_rules),
    [ATTR.policyDigest]: decision.policy_digest,
    [ATTR.enforceability]: decision.enforceability ?? defaultEnforceability,
    ...(decision.externality ? { [ATTR.externality]: canonicalize(decision.externality) } : {}),
    ...(decision.labels ? { [ATTR.labels]: canonicalize(decision.labels) } : {}),
    ...(decision.data_classes ? { [ATTR.dataClasses]: canonicalize(decision.data_classes) } : {}),
    ...(context ? decisionContextAttrs(context) : {}),
  };
}

function decisionContextAttrs(context: DecisionContext): Record<string, AttrValue> {
  const confinement = context.request.confinement;
  return {
    // The runtime's sandbox and approval policy the decision was made under, when proofline could read them.
    ...(confinement
      ? {
          [ATTR.sandboxPolicy]: redactSecrets(confinement.sandbox),
          ...(confinement.network_access === null
            ? {}
            : { [ATTR.networkAccess]: confinement.network_access }),
          ...(confinement.approval_policy === null
            ? {}
            : { [ATTR.approvalPolicy]: redactSecrets(confinement.approval_policy) }),
          [ATTR.confinementReadFrom]: confinement.read_from,
        }
      : {}),
    [ATTR.sessionLabels]: canonicalize(context.session.labels),
    [ATTR.sessionDataClasses]: canonicalize(context.session.data_classes),
    [ATTR.obligations]: canonicalize(context.obligations),
    [ATTR.discharges]: canonicalize(context.discharges),
    [ATTR.waives]: canonicalize(context.waives),
    [ATTR.actionDigest]: context.action_digest,
    ...(context.approval_id === undefined ? {} : { [ATTR.approvalId]: context.approval_id }),
  };
}
