// The guard for an SDK action: ask the server's policy before the tool runs (POST /v1/decide), and wait out an
// `approval_gate` until a registered approver signs a grant for it (`proofline approve <id> --key …`): the SDK
// only waits and retries, it never approves. A server that cannot answer is a deny unless the
// caller chose to fail open: an unguarded call must be a decision someone made, never an accident.
import { setTimeout as sleep } from 'node:timers/promises';

import type { GuardDecision } from '../schemas/guard.js';
import { openState, type Action } from './action.js';
import { getApprovalStatus, postDecide, type ApprovalStatus } from './client.js';
import { currentConfig } from './config.js';
import { ProoflineError, ProoflineServerError } from './errors.js';
import { ATTR, SPAN } from '../schemas/attributes.js';

export interface GuardOptions {
  /** The directory the tool runs in; part of what an approval is bound to. Default: `process.cwd()`. */
  cwd?: string;
  model?: string;
  /** The MCP server the tool belongs to, when it is an MCP tool. */
  mcpServer?: string;
  /** `post_hoc`: the action already ran and is only being recorded (schemas/spans.md). Default `enforce`. */
  mode?: 'enforce' | 'post_hoc';
  /** Allow the call when the server cannot decide. Default: deny it. */
  failOpen?: boolean;
  /** How long to wait for the server's answer. Default 10 s. */
  timeoutMs?: number;
}

export type GuardResult = GuardDecision & {
  /** For an `approval_gate`: the id a human approves (`proofline approve <id> --key …`) and the runtime waits
   * for. Show it to the person, not to a model. */
  approval_id?: string;
};

export interface WaitOptions {
  timeoutMs: number;
  /** Default 200 ms. */
  pollMs?: number;
}

export type ApprovalOutcome =
  | { status: 'approved'; decision: GuardResult }
  | { status: 'denied'; reason: string }
  | { status: 'expired' };

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_POLL_MS = 200;
const APPROVAL_SOURCE = 'proofline/sdk';

// The options of the action's last guard call: the retry after a grant must ask the very same question, or
// the grant (bound to session, tool, input and cwd) does not apply to it.
const lastAsked = new WeakMap<Action, GuardOptions>();

export async function guard(action: Action, options: GuardOptions = {}): Promise<GuardResult> {
  lastAsked.set(action, options);
  const config = currentConfig();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const answer = await postDecide(
      config,
      {
        session_id: action.sessionId,
        action_id: action.id,
        ...(action.turnId === undefined ? {} : { turn_id: action.turnId }),
        tool_name: action.tool,
        tool_input: { ...action.input },
        cwd: options.cwd ?? process.cwd(),
        ...(options.model === undefined ? {} : { model: options.model }),
        ...(options.mcpServer === undefined ? {} : { mcp_server: options.mcpServer }),
        ...(options.mode === undefined ? {} : { mode: options.mode }),
        runtime_family: config.runtimeFamily,
        time_unix_nano: nowUnixNano(),
      },
      timeoutMs,
    );
    return answer.approval_id === undefined
      ? answer.decision
      : { ...answer.decision, approval_id: answer.approval_id };
  } catch (error) {
    if (!(error instanceof ProoflineServerError)) throw error;
    return unanswered(error.message, options.failOpen === true);
  }
}

/**
 * Waits for the approval an `approval_gate` decision asks for. Granted: asks the guard again with the same
 * options, which consumes the grant, and resolves `approved` with that decision (`denied` if even so the call
 * is not allowed). Refused: `denied`. Not answered within `timeoutMs`, or no longer pending on the server:
 * records a `proofline.approval` event with decision `expired` on the action's span and resolves `expired`.
 *
 * A decision that is not an `approval_gate` has nothing to wait for and resolves at once: `approved` with the
 * same decision when it allows the call, `denied` when it does not (block, simulate_first).
 *
 * Server hiccups (unreachable, 5xx, 429) are retried until the timeout; any other refusal (401, 404) rejects
 * with the ProoflineServerError, since waiting would not change it.
 */
export async function waitForApproval(
  action: Action,
  decision: GuardResult,
  options: WaitOptions,
): Promise<ApprovalOutcome> {
  if (decision.route !== 'approval_gate') {
    return decision.verdict === 'allow'
      ? { status: 'approved', decision }
      : { status: 'denied', reason: decision.reason };
  }
  const id = decision.approval_id;
  if (id === undefined)
    throw new ProoflineError(
      'APPROVAL_ID_MISSING',
      `action ${action.id}: the approval_gate names no approval_id`,
    );
  openState(action);
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const deadline = Date.now() + options.timeoutMs;

  for (;;) {
    const remaining = deadline - Date.now();
    let status: ApprovalStatus | undefined;
    try {
      status = await getApprovalStatus(currentConfig(), id, Math.max(remaining, pollMs));
    } catch (error) {
      if (!(error instanceof ProoflineServerError && error.transient)) throw error;
    }
    if (status === 'approved') {
      const retried = await guard(action, lastAsked.get(action) ?? {});
      return retried.verdict === 'allow'
        ? { status: 'approved', decision: retried }
        : { status: 'denied', reason: retried.reason };
    }
    if (status === 'denied') return { status: 'denied', reason: `approval ${id} was denied` };
    if (status === 'unknown' || Date.now() >= deadline) break;
    await sleep(Math.min(pollMs, Math.max(deadline - Date.now(), 0)));
  }
  action.span.addEvent(SPAN.approvalEvent, {
    [ATTR.approvalDecision]: 'expired',
    [ATTR.approvalId]: id,
    [ATTR.approvalSource]: APPROVAL_SOURCE,
  });
  return { status: 'expired' };
}

/** The decision when the server could not give one. */
function unanswered(problem: string, failOpen: boolean): GuardResult {
  return {
    route: failOpen ? 'allow' : 'block',
    verdict: failOpen ? 'allow' : 'deny',
    reason: `${problem}; failing ${failOpen ? 'open (failOpen)' : 'closed'}`,
    matched_rules: [],
    policy_digest: '',
  };
}

/** Wall clock in nanoseconds, at the sub-millisecond resolution the spans' own times have. */
function nowUnixNano(): string {
  const micros = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
  return (micros * 1000n).toString();
}
