// What a guard_decision observation records beside the decision itself (schemas/observations.md, "Guard
// decisions from the policy engine"): written by ingest's guard, read by the assembler and the verifier.
import { ATTR } from './attributes.js';
import { ProoflineError } from './errors.js';
import type { GuardRequest, SessionContext } from './guard.js';
import type { AttrValue } from './observation.js';

/** An obligation as its guard_decision observation records it (`proofline.obligations`). */
export interface RecordedObligation {
  id: string;
  rule_id: string;
  duty: string;
  within_ms: number;
}

export interface DecisionContext {
  /** The question exactly as the guard was asked, ancestry included: what a verifier replays the policy on. */
  request: GuardRequest;
  /** The ancestry the decision was made against. */
  session: SessionContext;
  action_digest: string;
  /** For an approval_gate: the id to approve; for a call a grant let through: the grant's id. */
  approval_id?: string;
  obligations: RecordedObligation[];
  discharges: string[];
  waives: string[];
}

/** What one guard decision says about obligations; absent keys read as empty lists. */
export interface DecisionObligations {
  created: RecordedObligation[];
  discharges: string[];
  waives: string[];
}

/** The deciding rule recorded on a call an approval grant let through: `approval:<approval id>`. */
export const APPROVAL_RULE_PREFIX = 'approval:';

export function approvalRuleId(approvalId: string): string {
  return `${APPROVAL_RULE_PREFIX}${approvalId}`;
}

/** proofline's built-in self-protection (policy/self-protection.ts): rules in front of every policy, which only a
 * dispensation naming one of these ids can waive. A decision they make has one of them as its deciding rule. */
export const SELF_PROTECTION_RULES = {
  /** Running proofline's control commands (approve, approvals, keygen, serve, …). */
  controlCommand: 'proofline.self.control_command',
  /** Reaching proofline's server: its approval route, or any route by its address. */
  controlRoute: 'proofline.self.control_route',
  /** Reading or writing proofline's keys, data, policy, approvers, or Codex's hook configuration. */
  protectedPath: 'proofline.self.protected_path',
  /** Stopping or signalling proofline's server. */
  stopServer: 'proofline.self.stop_server',
} as const;
export type SelfProtectionRule = (typeof SELF_PROTECTION_RULES)[keyof typeof SELF_PROTECTION_RULES];
export const SELF_PROTECTION_RULE_PREFIX = 'proofline.self.';

/** A decision attribute that is present but not what the contract says. */
export class DecisionAttributeError extends ProoflineError<'INVALID_DECISION_ATTRIBUTE'> {
  constructor(key: string, shape: string) {
    super('INVALID_DECISION_ATTRIBUTE', `${key} is not a JSON array of ${shape}`);
  }
}

/** Reads the obligation keys of a guard_decision's attributes; throws DecisionAttributeError when one is
 * present but malformed. */
export function readDecisionObligations(attrs: Readonly<Record<string, AttrValue>>): DecisionObligations {
  return {
    created: listAttr(attrs, ATTR.obligations, isRecordedObligation, '{id, rule_id, duty, within_ms}'),
    discharges: listAttr(attrs, ATTR.discharges, isNonEmptyString, 'obligation ids'),
    waives: listAttr(attrs, ATTR.waives, isNonEmptyString, 'obligation ids'),
  };
}

function listAttr<T>(
  attrs: Readonly<Record<string, AttrValue>>,
  key: string,
  isItem: (value: unknown) => value is T,
  shape: string,
): T[] {
  const text = attrs[key];
  if (text === undefined) return [];
  let value: unknown;
  try {
    value = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || !value.every(isItem)) throw new DecisionAttributeError(key, shape);
  return value;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isRecordedObligation(value: unknown): value is RecordedObligation {
  const o = value as Partial<RecordedObligation> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    isNonEmptyString(o.id) &&
    isNonEmptyString(o.rule_id) &&
    typeof o.duty === 'string' &&
    typeof o.within_ms === 'number' &&
    Number.isSafeInteger(o.within_ms) &&
    o.within_ms >= 0
  );
}
