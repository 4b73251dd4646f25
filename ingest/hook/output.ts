// What a Codex hook command prints and how it exits, for a guard decision (fixtures README, "stdout and exit
// code"; hook-schemas/*.command.output.schema.json). The server builds the answer and the hook client
// (bin/proofline-hook) only prints it.
import type { GuardDecision } from '../../schemas/guard.js';
import { GUARDED_EVENTS } from '../../schemas/hook.js';

export interface HookAnswer {
  stdout: string;
  exitCode: number;
  stderr?: string;
}

/** The part of a decision the runtime is told. */
export type HookVerdict = Pick<GuardDecision, 'verdict' | 'reason'> &
  Partial<Pick<GuardDecision, 'deciding_rule' | 'updated_input' | 'system_message'>>;

const NO_OPINION: HookAnswer = { stdout: '', exitCode: 0 };

export function hookAnswer(event: string, decision: HookVerdict | undefined): HookAnswer {
  if (!decision || !GUARDED_EVENTS.has(event)) return NO_OPINION;
  const systemMessage = decision.system_message ? { systemMessage: decision.system_message } : {};
  // Codex rejects a deny without a reason, and the rule id is what an operator needs to find the cause.
  const rule = decision.deciding_rule ? ` (proofline rule ${decision.deciding_rule})` : '';
  const reason = `${decision.reason.trim() || 'decided by proofline'}${rule}`;

  if (event === 'PermissionRequest') {
    const behavior = permissionBehavior(decision);
    if (!behavior) return answerJson(systemMessage);
    // `updatedInput` is reserved here and makes Codex fail closed, so a rewrite is never sent on this event.
    const verdict = behavior === 'deny' ? { behavior, message: reason } : { behavior };
    return answerJson({ hookSpecificOutput: { hookEventName: event, decision: verdict }, ...systemMessage });
  }

  // The reason goes to the model; a system message (an approval_gate's id and approve command) only to the user.
  if (decision.verdict === 'deny') {
    return answerJson({
      hookSpecificOutput: {
        hookEventName: event,
        permissionDecision: 'deny',
        permissionDecisionReason: reason,
      },
      ...systemMessage,
    });
  }
  if (decision.updated_input) {
    return answerJson({
      hookSpecificOutput: {
        hookEventName: event,
        permissionDecision: 'allow',
        updatedInput: decision.updated_input,
      },
      ...systemMessage,
    });
  }
  // A plain `permissionDecision:"allow"` is unsupported on PreToolUse (ignored by Codex), so say nothing.
  return answerJson(systemMessage);
}

/** What proofline answers a PermissionRequest. An allow that comes only from the policy default is no answer:
 * proofline must not auto-approve every sandbox escalation just because no rule is configured, so the
 * runtime's own approval flow goes on. */
export function permissionBehavior(decision: HookVerdict): 'allow' | 'deny' | undefined {
  if (decision.verdict === 'deny') return 'deny';
  return decision.deciding_rule ? 'allow' : undefined;
}

/** The answer when proofline cannot decide (a payload it cannot read, say): tool calls are denied; any other
 * event proceeds (telemetry must never block a session). */
export function cannotDecideAnswer(event: string, problem: string): HookAnswer {
  if (!GUARDED_EVENTS.has(event)) return NO_OPINION;
  return hookAnswer(event, { verdict: 'deny', reason: `${problem}; denied because proofline fails closed` });
}

function answerJson(body: Record<string, unknown>): HookAnswer {
  return Object.keys(body).length === 0 ? NO_OPINION : { stdout: JSON.stringify(body), exitCode: 0 };
}
