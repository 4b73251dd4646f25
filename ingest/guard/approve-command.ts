// `proofline approve ID`: answers a pending approval_gate request on the proofline server, so the agent's
// retry of exactly that call runs once. It is what the gated call's deny reason tells the operator to run.
import { userInfo } from 'node:os';

import type { ApprovalGrant } from './approvals.js';
import { ProoflineError } from '../../schemas/errors.js';

/** The approval was not recorded; `exitCode` is what the CLI exits with. */
export class ApproveCommandError extends ProoflineError<'APPROVAL_SERVER_UNREACHABLE' | 'APPROVAL_REFUSED'> {}

export interface ApproveCommandOptions {
  id: string;
  url: string;
  token?: string;
  /** Who approves; recorded in the approval observation. */
  approver: string;
  deny: boolean;
  timeoutMs: number;
}

/** The approver when `--as` is not given: the operating-system user running the command. */
export function defaultApprover(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

export async function runApprove(options: ApproveCommandOptions): Promise<void> {
  const endpoint = new URL('v1/approvals', options.url.endsWith('/') ? options.url : `${options.url}/`);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: JSON.stringify({
        id: options.id,
        approver: options.approver,
        decision: options.deny ? 'denied' : 'approved',
      }),
    });
  } catch (error) {
    throw new ApproveCommandError(
      'APPROVAL_SERVER_UNREACHABLE',
      // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, a timeout).
      `proofline server ${options.url} unreachable (${reasonOf(error)})`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as { approval?: ApprovalGrant; reason?: unknown };
  if (!response.ok || body.approval === undefined) {
    const reason = typeof body.reason === 'string' ? body.reason : `HTTP ${response.status}`;
    throw new ApproveCommandError('APPROVAL_REFUSED', `approval ${options.id} not recorded: ${reason}`);
  }
  process.stdout.write(`${describeGrant(body.approval)}\n`);
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function describeGrant(grant: ApprovalGrant): string {
  const what = grant.command === undefined ? grant.tool_name : `${grant.tool_name} \`${grant.command}\``;
  const rule = grant.rule === undefined ? '' : ` (rule ${grant.rule})`;
  return grant.decision === 'approved'
    ? `approved ${grant.id} by ${grant.approver}: ${what}${rule} in session ${grant.session_id} may run once, when retried unchanged`
    : `denied ${grant.id} by ${grant.approver}: ${what}${rule} stays gated`;
}
