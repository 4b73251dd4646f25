// A guard decision as observation attributes (schemas/observations.md, `proofline.route` … and "Guard decisions
// from the policy engine"), the same whichever route asked: a Codex hook or POST /v1/decide.
import { canonicalize } from '../../schemas/digest.js';
import type { EnforceabilityClass, GuardDecision } from '../../schemas/guard.js';
import type { AttrValue } from '../../schemas/observation.js';
import type { DecisionContext } from '../guard/session-guard.js';
import { redactSecrets } from './redact.js';

/** `defaultEnforceability` applies when the guard does not classify it (the simple rule file). */
export function decisionAttrs(
  decision: GuardDecision,
  defaultEnforceability: EnforceabilityClass,
  context: DecisionContext | undefined,
): Record<string, AttrValue> {
  return {
    'proofline.route': decision.route,
    'proofline.verdict': decision.verdict,
    'proofline.reason': redactSecrets(decision.reason),
    ...(decision.deciding_rule ? { 'proofline.rule': decision.deciding_rule } : {}),
    'proofline.matched_rules': canonicalize(decision.matched_rules),
    'proofline.policy.digest': decision.policy_digest,
    'proofline.enforceability': decision.enforceability ?? defaultEnforceability,
    ...(decision.externality ? { 'proofline.externality': canonicalize(decision.externality) } : {}),
    ...(decision.labels ? { 'proofline.labels': canonicalize(decision.labels) } : {}),
    ...(decision.data_classes ? { 'proofline.data_classes': canonicalize(decision.data_classes) } : {}),
    ...(context ? decisionContextAttrs(context) : {}),
  };
}

function decisionContextAttrs(context: DecisionContext): Record<string, AttrValue> {
  return {
    'proofline.session.labels': canonicalize(context.session.labels),
    'proofline.session.data_classes': canonicalize(context.session.data_classes),
    'proofline.obligations': canonicalize(context.obligations),
    'proofline.discharges': canonicalize(context.discharges),
    'proofline.waives': canonicalize(context.waives),
    'proofline.action.digest': context.action_digest,
    ...(context.approval_id === undefined ? {} : { 'proofline.approval.id': context.approval_id }),
  };
}
