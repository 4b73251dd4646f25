// route_rederived: the guard's decision replayed. For each action bundle whose admissibility receipt carries
// the request the guard was asked, and whose pinned policy digest is one of the policies the operator says
// were in force (`--policy`), the policy decides the request again; a route or deciding rule other than the
// recorded one means the decision was not what that policy says. Runs in TypeScript, not SQL: it needs the
// policy engine.
import { APPROVAL_RULE_PREFIX, SELF_PROTECTION_RULE_PREFIX } from '../../schemas/decision.js';
import type { Guard, GuardDecision, GuardRequest } from '../../schemas/guard.js';
import type { Database } from '../database.js';
import type { CheckResult, CheckStatus } from './check.js';

/** A policy file the operator named, compiled; keyed by its digest where it is passed around. */
export interface PolicyInForce {
  file: string;
  guard: Guard;
}

/** What the bundle recorded: the admissibility receipt's facts, as far as this check reads them. */
interface RecordedDecision {
  route?: unknown;
  deciding_rule?: unknown;
  request?: unknown;
}

interface Outcome {
  status: CheckStatus;
  detail: string;
}

export async function routeRederived(
  db: Database,
  policies: ReadonlyMap<string, PolicyInForce>,
): Promise<CheckResult[]> {
  const rows = await db.rows<{
    file: string;
    session_id: string;
    action_id: string;
    policy_digest: string | null;
    facts: string | null;
  }>(`
    SELECT b.file, b.session_id, b.action_id, b.policy_digest, CAST(r.facts AS VARCHAR) AS facts
    FROM bundles b
    LEFT JOIN receipts r ON r.file = b.file AND r.checkpoint = 'admissibility' AND r.status = 'present'
    ORDER BY b.file`);
  return rows.map(({ facts, policy_digest, ...subject }) => {
    const outcome = judge(
      facts === null ? undefined : (JSON.parse(facts) as RecordedDecision),
      policy_digest === null ? undefined : policies.get(policy_digest),
      policy_digest,
    );
    return {
      subject: subject.file,
      ...subject,
      check_name: 'route_rederived',
      status: outcome.status,
      code: outcome.status === 'fail' ? 'route_rederived' : null,
      detail: outcome.detail,
    };
  });
}

function judge(
  recorded: RecordedDecision | undefined,
  policy: PolicyInForce | undefined,
  digest: string | null,
): Outcome {
  if (recorded === undefined) return skip('no guard decision recorded for this action');
  if (recorded.request === undefined)
    return skip('request not stored: the decision was recorded without --store-content');
  if (policy === undefined)
    return skip(`the bundle pins policy ${digest ?? '(none)'}, which is none of the --policy files`);
  if (!isGuardRequest(recorded.request))
    return fail('the recorded request is not a guard request (session_id, tool_name, tool_input)');

  let decided: GuardDecision;
  try {
    decided = policy.guard.decide(recorded.request);
  } catch (error) {
    return fail(`${policy.file} cannot decide the recorded request: ${(error as Error).message}`);
  }
  const rederived = `${policy.file} re-derives ${describe(decided.route, decided.deciding_rule)}`;
  const recordedRule = typeof recorded.deciding_rule === 'string' ? recorded.deciding_rule : undefined;
  // An approval grant turns an approval_gate into allow; it can lift nothing else.
  if (recordedRule?.startsWith(APPROVAL_RULE_PREFIX)) {
    return decided.route === 'approval_gate'
      ? pass(`approved (${recordedRule}); ${rederived}`)
      : fail(`recorded an approval (${recordedRule}) but ${rederived}, which no approval lifts`);
  }
  // proofline's built-in self-protection sits in front of every policy and only ever blocks.
  if (recordedRule?.startsWith(SELF_PROTECTION_RULE_PREFIX)) {
    return recorded.route === 'block'
      ? pass(`blocked by proofline's self-protection (${recordedRule}), which no policy lowers; ${rederived}`)
      : fail(
          `recorded self-protection rule ${recordedRule} with route ${String(recorded.route)}, which only blocks`,
        );
  }
  const same = recorded.route === decided.route && recordedRule === decided.deciding_rule;
  const claim = `recorded ${describe(recorded.route, recordedRule)}`;
  return same ? pass(`${claim}; ${rederived}`) : fail(`${claim} but ${rederived}`);
}

function describe(route: unknown, rule: string | undefined): string {
  return `${String(route ?? 'no route')} (${rule === undefined ? "the policy's default" : `rule ${rule}`})`;
}

// The request comes out of a signed bundle but was written by ingest, not by this verifier: its shape is
// checked before the engine reads it, so a malformed one fails the check rather than the run.
function isGuardRequest(value: unknown): value is GuardRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const request = value as Record<string, unknown>;
  return (
    typeof request.session_id === 'string' &&
    typeof request.tool_name === 'string' &&
    typeof request.tool_input === 'object' &&
    request.tool_input !== null &&
    !Array.isArray(request.tool_input)
  );
}

const pass = (detail: string): Outcome => ({ status: 'pass', detail });
const fail = (detail: string): Outcome => ({ status: 'fail', detail });
const skip = (detail: string): Outcome => ({ status: 'skip', detail });
