// Approvals for `approval_gate` decisions: a gated call becomes a pending request under an id derived from the
// exact action, with a random challenge; only a grant signed by a registered approver's key (schemas/
// approval-grant.ts), naming that id, that action and that challenge, within its validity window, answers it.
// An approval lets exactly one later call with the same action digest run, and is used up by it.
//
// Per-receiver-process state, in memory: a restart forgets pending requests and unused grants (the agent's
// retry is then gated again and asks anew, under a new challenge); grants already published stay in the record
// as `approval` observations. Pending requests and unused grants expire after `ttlMs` (default one hour), or
// sooner when the grant says so.
import { randomBytes } from 'node:crypto';

import {
  actionDigest,
  approvalIdOf,
  GRANT_CLOCK_SKEW_MS,
  grantTime,
  MAX_GRANT_LIFETIME_MS,
  parseGrant,
  verifyGrantSignature,
  GrantError,
  type ApprovalGrantEnvelope,
  type GrantDecision,
} from '../../schemas/approval-grant.js';
import type { ApproverSet } from '../../schemas/approvers.js';
import { canonicalize } from '../../schemas/digest.js';
import { ProoflineError } from '../../schemas/errors.js';
import type { RuntimeFamily } from '../../schemas/observation.js';

export { actionDigest, approvalIdOf };

export const DEFAULT_APPROVAL_TTL_MS = 60 * 60 * 1000;
const DEFAULT_MAX_PENDING = 10_000;

export type ApprovalDecision = GrantDecision;
/** `unknown`: never requested, already used, or expired. */
export type ApprovalStatus = 'pending' | ApprovalDecision | 'unknown';

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
  /** What the approver's grant must name: drawn per request, so a grant fits this request on this server. */
  challenge: string;
  requested_at_ms: number;
  expires_at_ms: number;
}

/** An answer the server verified: who (by registered key), what, and the signed grant itself. */
export interface ApprovalGrant extends ApprovalSubject {
  approver: string;
  keyid: string;
  decision: ApprovalDecision;
  granted_at_ms: number;
  expires_at_ms: number;
  grant: ApprovalGrantEnvelope;
}

export type ApprovalErrorCode =
  | 'GRANT_MALFORMED'
  | 'APPROVERS_NONE'
  | 'APPROVER_UNKNOWN'
  | 'APPROVER_MISMATCH'
  | 'GRANT_SIGNATURE'
  | 'APPROVAL_UNKNOWN'
  | 'APPROVAL_ANSWERED'
  | 'GRANT_MISMATCH'
  | 'GRANT_CHALLENGE'
  | 'GRANT_NOT_YET_VALID'
  | 'GRANT_EXPIRED'
  | 'GRANT_TOO_LONG';

export class ApprovalError extends ProoflineError<ApprovalErrorCode> {}

export interface ApprovalStoreOptions {
  /** Who may answer; none registered: nothing can be approved (every gated call stays gated). */
  approvers?: ApproverSet;
  ttlMs?: number;
  maxPending?: number;
  /** Wall-clock milliseconds; injected by tests. Only expiry and grant freshness use it. */
  now?: () => number;
  /** Told of every new pending request: the server log is one of the places the human learns the id. */
  onRequest?: (pending: PendingApproval) => void;
}

export class ApprovalStore {
  readonly approvers: ApproverSet;
  private readonly ttlMs: number;
  private readonly maxPending: number;
  private readonly now: () => number;
  private readonly onRequest: (pending: PendingApproval) => void;
  /** By approval id, oldest first. */
  private readonly requests = new Map<string, PendingApproval>();
  /** Approved and not yet used, by approval id. */
  private readonly grants = new Map<string, ApprovalGrant>();
  /** Refused, by approval id: remembered so a runtime waiting on the answer hears it. */
  private readonly refusals = new Map<string, ApprovalGrant>();

  constructor(options: ApprovalStoreOptions = {}) {
    this.approvers = options.approvers ?? new Map();
    this.ttlMs = options.ttlMs ?? DEFAULT_APPROVAL_TTL_MS;
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.now = options.now ?? Date.now;
    this.onRequest = options.onRequest ?? (() => undefined);
  }

  /** Records (or renews) the request a gated call makes. A renewal keeps its challenge, so a grant being
   * signed while the agent retries still fits. */
  request(request: ApprovalSubject): PendingApproval {
    this.expire();
    const requestedAt = this.now();
    const renewed = this.requests.get(request.id);
    const challenge = renewed?.challenge ?? randomBytes(16).toString('hex');
    const pending = {
      ...request,
      challenge,
      requested_at_ms: requestedAt,
      expires_at_ms: requestedAt + this.ttlMs,
    };
    this.requests.delete(request.id);
    this.requests.set(request.id, pending);
    for (const oldest of this.requests.keys()) {
      if (this.requests.size <= this.maxPending) break;
      this.requests.delete(oldest);
    }
    if (renewed === undefined) this.onRequest(pending);
    return pending;
  }

  pending(): PendingApproval[] {
    this.expire();
    return [...this.requests.values()];
  }

  get(id: string): PendingApproval | undefined {
    this.expire();
    return this.requests.get(id);
  }

  /**
   * The verified answer a signed grant gives, not yet in force: the caller records it durably, then
   * `accept`s it. Posting the very same grant again while it is unused is idempotent (`recorded: true`);
   * anything that is not a fresh grant by a registered approver for this exact pending request throws an
   * ApprovalError saying why.
   */
  answer(signed: unknown): { grant: ApprovalGrant; recorded: boolean } {
    this.expire();
    let parsed;
    try {
      parsed = parseGrant(signed);
    } catch (error) {
      if (error instanceof GrantError) throw new ApprovalError('GRANT_MALFORMED', error.message);
      throw error;
    }
    const { statement } = parsed;
    const id = statement.approval_id;
    if (this.approvers.size === 0)
      throw new ApprovalError(
        'APPROVERS_NONE',
        'no approvers are registered on this server (serve --approvers FILE): nothing can be approved',
      );
    const approver = this.approvers.get(statement.keyid);
    if (approver === undefined)
      throw new ApprovalError('APPROVER_UNKNOWN', `key ${statement.keyid} is not a registered approver's`);
    if (approver.name !== statement.approver)
      throw new ApprovalError(
        'APPROVER_MISMATCH',
        `the grant claims approver "${statement.approver}" but key ${statement.keyid} is registered to "${approver.name}"`,
      );
    if (!verifyGrantSignature(parsed, approver.publicKey))
      throw new ApprovalError('GRANT_SIGNATURE', `the signature by ${approver.name}'s key does not verify`);

    const answered = this.grants.get(id) ?? this.refusals.get(id);
    if (answered) {
      if (this.grants.has(id) && canonicalize(answered.grant) === canonicalize(parsed.envelope))
        return { grant: answered, recorded: true };
      throw new ApprovalError(
        'APPROVAL_ANSWERED',
        `approval ${id} was already answered by ${answered.approver}`,
      );
    }
    const pending = this.requests.get(id);
    if (pending === undefined)
      throw new ApprovalError(
        'APPROVAL_UNKNOWN',
        `no pending approval ${id} (unknown, already used, or expired)`,
      );
    if (pending.action_digest !== statement.action_digest || pending.session_id !== statement.session_id)
      throw new ApprovalError('GRANT_MISMATCH', `the grant is for another action than approval ${id}`);
    if (pending.challenge !== statement.challenge)
      throw new ApprovalError(
        'GRANT_CHALLENGE',
        `the grant answers another request than the one pending as ${id} (another server, or an earlier request)`,
      );
    const now = this.now();
    const issuedAt = grantTime(statement.issued_at)!;
    const expiresAt = grantTime(statement.expires_at)!;
    if (issuedAt > now + GRANT_CLOCK_SKEW_MS)
      throw new ApprovalError(
        'GRANT_NOT_YET_VALID',
        `the grant is issued in the future (${statement.issued_at})`,
      );
    if (expiresAt <= now)
      throw new ApprovalError('GRANT_EXPIRED', `the grant expired at ${statement.expires_at}`);
    if (expiresAt - issuedAt > MAX_GRANT_LIFETIME_MS)
      throw new ApprovalError(
        'GRANT_TOO_LONG',
        `a grant may be valid for at most ${MAX_GRANT_LIFETIME_MS / 60_000} minutes`,
      );
    return {
      grant: {
        ...subjectOf(pending),
        approver: approver.name,
        keyid: approver.keyid,
        decision: statement.decision,
        granted_at_ms: now,
        expires_at_ms: Math.min(expiresAt, now + this.ttlMs),
        grant: parsed.envelope,
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
