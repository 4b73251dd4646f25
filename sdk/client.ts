// The two HTTP calls the SDK makes to the proofline server (schemas/spans.md, "The decide API"), with Node's
// global fetch. Every failure becomes a ProoflineServerError; deciding what a failure means (deny, retry) is
// the caller's business.
import { ROUTES, type GuardDecision } from '../schemas/guard.js';
import type { RuntimeFamily } from '../schemas/observation.js';
import type { ProoflineConfig } from './config.js';
import { ProoflineServerError } from './errors.js';

/** The body of POST /v1/decide. */
export interface DecideRequest {
  session_id: string;
  action_id: string;
  turn_id?: string;
  tool_name: string;
  tool_input: Record<string, unknown>;
  cwd?: string;
  model?: string;
  mcp_server?: string;
  runtime_family: RuntimeFamily;
  /** The runtime's clock when it asked, in nanoseconds since the epoch (decimal string). */
  time_unix_nano: string;
  mode?: 'enforce' | 'post_hoc';
}

export interface DecideAnswer {
  decision: GuardDecision;
  /** For an `approval_gate`: the id to approve (`proofline approve <id>`). */
  approval_id?: string;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'unknown';

const APPROVAL_STATUSES: readonly string[] = ['pending', 'approved', 'denied', 'unknown'];

export async function postDecide(
  config: ProoflineConfig,
  body: DecideRequest,
  timeoutMs: number,
): Promise<DecideAnswer> {
  const answer = await call(config, 'v1/decide', timeoutMs, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const { decision, approval_id } = (answer ?? {}) as { decision?: unknown; approval_id?: unknown };
  if (!isDecision(decision) || (approval_id !== undefined && typeof approval_id !== 'string'))
    throw new ProoflineServerError(
      'SERVER_BAD_ANSWER',
      `${config.url} answered /v1/decide without a decision`,
    );
  return approval_id === undefined ? { decision } : { decision, approval_id };
}

export async function getApprovalStatus(
  config: ProoflineConfig,
  id: string,
  timeoutMs: number,
): Promise<ApprovalStatus> {
  const answer = await call(config, `v1/approvals/${encodeURIComponent(id)}`, timeoutMs, { method: 'GET' });
  const status = (answer as { status?: unknown } | null)?.status;
  if (typeof status !== 'string' || !APPROVAL_STATUSES.includes(status))
    throw new ProoflineServerError(
      'SERVER_BAD_ANSWER',
      `${config.url} answered an approval without a status`,
    );
  return status as ApprovalStatus;
}

/** One request; resolves with the parsed JSON body of a 2xx answer. */
async function call(
  config: ProoflineConfig,
  path: string,
  timeoutMs: number,
  init: RequestInit,
): Promise<unknown> {
  const endpoint = new URL(path, config.url.endsWith('/') ? config.url : `${config.url}/`);
  const headers = new Headers(init.headers);
  if (config.token) headers.set('authorization', `Bearer ${config.token}`);
  let response: Response;
  let text: string;
  try {
    response = await fetch(endpoint, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (error) {
    throw new ProoflineServerError(
      'SERVER_UNREACHABLE',
      `proofline server ${config.url} unreachable (${describeFetchError(error, timeoutMs)})`,
    );
  }
  if (!response.ok) {
    throw new ProoflineServerError(
      'SERVER_REFUSED',
      `proofline server ${config.url} answered ${response.status}${reasonOf(text)}`,
      response.status,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProoflineServerError('SERVER_BAD_ANSWER', `proofline server ${config.url} answered non-JSON`);
  }
}

function isDecision(value: unknown): value is GuardDecision {
  const decision = value as Partial<GuardDecision> | null;
  return (
    typeof decision === 'object' &&
    decision !== null &&
    (ROUTES as readonly unknown[]).includes(decision.route) &&
    (decision.verdict === 'allow' || decision.verdict === 'deny') &&
    typeof decision.reason === 'string'
  );
}

function reasonOf(text: string): string {
  try {
    const reason = (JSON.parse(text) as { reason?: unknown } | null)?.reason;
    return typeof reason === 'string' ? `: ${reason}` : '';
  } catch {
    return '';
  }
}

// fetch wraps the socket error (ECONNREFUSED, ...) as the cause of a generic "fetch failed".
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  return cause?.code ?? (error instanceof Error ? error.message : String(error));
}
