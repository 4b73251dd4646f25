// Approvals for `approval_gate` decisions: a gated call becomes a pending request under an id derived from the
// exact action; `proofline approve <id>` (POST /v1/approvals) answers it; the grant lets exactly one later call
// with the same action digest run, and is used up by it.
//
// Per-receiver-process state, in memory: a restart forgets pending requests and unused grants (the agent's
// retry is then gated again and asks anew); grants already published stay in the record as `approval`
// observations. Pending requests and unused grants expire after `ttlMs` (default one hour).
import { canonicalDigest, sha256Hex } from '../../schemas/digest.js';
import type { GuardRequest } from '../../schemas/guard.js';
import type { RuntimeFamily } from '../../schemas/observation.js';
import { ProoflineError } from '../../schemas/errors.js';

export const DEFAULT_APPROVAL_TTL_MS = 60 * 60 * 1000;
const DEFAULT_MAX_PENDING = 10_000;

export type ApprovalDecision = 'approved' | 'denied';
/** `unknown`: never requested, already used, or expired. */
export type ApprovalStatus = 'pending' | ApprovalDecision | 'unknown';

/** sha256 of the canonical `{session_id, tool_name, tool_input, cwd}`: what an approval is bound to. The same
 * command in another session, directory or with other arguments is another action. */
export function actionDigest(
  request: Pick<GuardRequest, 'session_id' | 'tool_name' | 'tool_input' | 'cwd'>,
): string {
  return canonicalDigest({
    session_id: request.session_id,
    tool_name: request.tool_name,
    tool_input: request.tool_input,
    ...(request.cwd === undefined ? {} : { cwd: request.cwd }),
  });
}

/** Short enough to type: the first 16 hex of sha256 of the action digest. */
export function approvalIdOf(digest: string): string {
  return sha256Hex(digest).slice(0, 16);
}

/** The gated call an approval is for. */
export interface ApprovalSubject {
  id: string;
  action_digest: string;
  session_id: string;
  runtime_family: RuntimeFamily;
  tool_name: string;
  /** The shell command, secrets redacted, so the approver sees what they approve. */
  command?: string;
  /** The rule that gated the call, and why. */
  rule?: string;
  reason: string;
}

export interface PendingApproval extends ApprovalSubject {
  requested_at_ms: number;
  expires_at_ms: number;
}

export interface ApprovalGrant extends ApprovalSubject {
  approver: string;
  decision: ApprovalDecision;
  granted_at_ms: number;
  expires_at_ms: number;
}

export type ApprovalErrorCode = 'APPROVAL_UNKNOWN' | 'APPROVAL_ANSWERED';

export class ApprovalError extends ProoflineError<ApprovalErrorCode> {}

export interface ApprovalStoreOptions {
  ttlMs?: number;
  maxPending?: number;
  /** Wall-clock milliseconds; injected by tests. Only expiry uses it, never an observation id. */
  now?: () => number;
}

export class ApprovalStore {
  private readonly ttlMs: number;
  private readonly maxPending: number;
  private readonly now: () => number;
  /** By approval id, oldest first. */
  private readonly requests = new Map<string, PendingApproval>();
  /** Approved and not yet used, by approval id. */
  private readonly grants = new Map<string, ApprovalGrant>();
  /** Refused, by approval id: remembered so a runtime waiting on the answer hears it. */
  private readonly refusals = new Map<string, ApprovalGrant>();

  constructor(options: ApprovalStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_APPROVAL_TTL_MS;
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.now = options.now ?? Date.now;
  }

  /** Records (or renews) the request a gated call makes. */
  request(request: ApprovalSubject): PendingApproval {
    this.expire();
    const requestedAt = this.now();
    const pending = { ...request, requested_at_ms: requestedAt, expires_at_ms: requestedAt + this.ttlMs };
    this.requests.delete(request.id);
    this.requests.set(request.id, pending);
    for (const oldest of this.requests.keys()) {
      if (this.requests.size <= this.maxPending) break;
      this.requests.delete(oldest);
    }
    return pending;
  }

  pending(): PendingApproval[] {
    this.expire();
    return [...this.requests.values()];
  }

  /**
   * The grant (or refusal) answering pending request `id`, not yet in force: the caller records it durably,
   * then `accept`s it. Answering again the same way is idempotent (`recorded: true`, nothing to record again);
   * answering an unknown or expired id, or contradicting an unused grant, is an error.
   */
  answer(
    id: string,
    approver: string,
    decision: ApprovalDecision,
  ): { grant: ApprovalGrant; recorded: boolean } {
    this.expire();
    const existing = this.grants.get(id);
    if (existing) {
      if (existing.decision === decision && existing.approver === approver)
        return { grant: existing, recorded: true };
      throw new ApprovalError(
        'APPROVAL_ANSWERED',
        `approval ${id} was already granted by ${existing.approver}`,
      );
    }
    const pending = this.requests.get(id);
    if (pending === undefined)
      throw new ApprovalError(
        'APPROVAL_UNKNOWN',
        `no pending approval ${id} (unknown, already used, or expired)`,
      );
    const grantedAt = this.now();
    return {
      grant: {
        ...subjectOf(pending),
        approver,
        decision,
        granted_at_ms: grantedAt,
        expires_at_ms: grantedAt + this.ttlMs,
      },
      recorded: false,
    };
  }

  /** Puts a recorded answer in force: the request is answered; an approval waits for its one call. */
  accept(grant: ApprovalGrant): void {
    this.requests.delete(grant.id);
    (grant.decision === 'approved' ? this.grants : this.refusals).set(grant.id, grant);
  }

  /** Where request `id` stands, for a runtime waiting on it (proofline/sdk's waitForApproval). */
  status(id: string): ApprovalStatus {
    this.expire();
    if (this.grants.has(id)) return 'approved';
    if (this.refusals.has(id)) return 'denied';
    return this.requests.has(id) ? 'pending' : 'unknown';
  }

  /** Takes the unused grant for exactly this action, if any: it cannot be taken twice. */
  take(digest: string): ApprovalGrant | undefined {
    this.expire();
    const id = approvalIdOf(digest);
    const grant = this.grants.get(id);
    if (grant === undefined || grant.action_digest !== digest) return undefined;
    this.grants.delete(id);
    return grant;
  }

  /** Gives back a grant taken by a call whose decision could not be recorded: that call never ran. */
  restore(grant: ApprovalGrant): void {
    this.grants.set(grant.id, grant);
  }

  private expire(): void {
    const now = this.now();
    for (const [id, pending] of this.requests) if (pending.expires_at_ms <= now) this.requests.delete(id);
    for (const answers of [this.grants, this.refusals])
      for (const [id, grant] of answers) if (grant.expires_at_ms <= now) answers.delete(id);
  }
}

function subjectOf(pending: PendingApproval): ApprovalSubject {
  const { id, action_digest, session_id, runtime_family, tool_name, command, rule, reason } = pending;
  return {
    id,
    action_digest,
    session_id,
    runtime_family,
    tool_name,
    ...(command === undefined ? {} : { command }),
    ...(rule === undefined ? {} : { rule }),
    reason,
  };
}
