// The authority Codex granted itself at each action (issue 4, authority creep): the approval and sandbox policy
// of the session's `config` records (`codex.conversation_starts`), as in force when the action began — the
// latest such record before the action's first record in timeline order. A session can carry several (a
// resumed conversation starts again under new flags), so the value is per action, not per session. The
// verifier reads the changes from the assumption receipts these values go into.
import type { Observation } from '../schemas/observation.js';
import { stringAttr } from './attrs.js';
import type { Timeline } from './timeline.js';
import { ATTR } from '../schemas/attributes.js';

export interface Authority {
  approval_policy: string | null;
  sandbox_policy: string | null;
}

/** No config record seen (a runtime without one, or its telemetry not arrived): unknown, not "none". */
export const UNKNOWN_AUTHORITY: Authority = { approval_policy: null, sandbox_policy: null };

export function authorityByAction(
  timeline: Timeline,
  actionOf: ReadonlyMap<string, string>,
): Map<string, Authority> {
  const byAction = new Map<string, Authority>();
  let current = UNKNOWN_AUTHORITY;
  for (const obs of timeline.ordered) {
    if (obs.kind === 'config') current = updated(current, obs);
    const action = actionOf.get(obs.id);
    if (action !== undefined && !byAction.has(action)) byAction.set(action, current);
  }
  return byAction;
}

// A config record without the policies (Codex's startup_phase) changes nothing.
function updated(current: Authority, config: Observation): Authority {
  return {
    approval_policy: stringAttr(config, ATTR.approvalPolicy) ?? current.approval_policy,
    sandbox_policy: stringAttr(config, ATTR.sandboxPolicy) ?? current.sandbox_policy,
  };
}
