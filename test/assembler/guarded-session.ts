// Hand-built sessions under the policy engine, for the obligation and authority tests: Codex `config` records
// (codex.conversation_starts), tool calls whose hook records carry time "0" (they take their action's time
// from its Codex tool_result, as the timeline assigns it) and guard decisions with obligation keys, as
// schemas/observations.md ("Guard decisions from the policy engine") describes them.
import { canonicalDigest, sha256Hex } from '../../schemas/digest.js';
import type { Observation } from '../../schemas/observation.js';
import { observation, rfc3339ToNanos } from './scenarios.js';

export const MINUTE_MS = 60_000;
export const REVIEW_RULE = 'review-after-protected-push';
export const POLICY_A = sha256Hex('policy A');
export const POLICY_B = sha256Hex('policy B');

/** What a call's guard decision says beyond allowing it. */
export interface CallDecision {
  /** Rules whose duties the call creates, each due `withinMs` after it. */
  creates?: { rule: string; withinMs: number }[];
  discharges?: string[];
  waives?: string[];
  policyDigest?: string;
}

export class GuardedSession {
  readonly records: Observation[] = [];

  constructor(
    readonly sessionId: string,
    /** Runtime time of the session's start (RFC 3339); `at` offsets below are minutes after it. */
    private readonly start: string,
  ) {}

  /** The runtime time `minutes` after the session's start, in nanoseconds. */
  nanos(minutes: number): bigint {
    return BigInt(rfc3339ToNanos(this.start)) + BigInt(Math.round(minutes * MINUTE_MS)) * 1_000_000n;
  }

  /** Obligation id as ingest makes it: sha256 of canonical {session_id, action_id, rule_id}. */
  obligationId(callId: string, rule = REVIEW_RULE): string {
    return canonicalDigest({ session_id: this.sessionId, action_id: callId, rule_id: rule });
  }

  config(minutes: number, approvalPolicy: string, sandboxPolicy: string): this {
    this.records.push(
      observation({
        source: 'codex.log',
        kind: 'config',
        name: 'codex.conversation_starts',
        session_id: this.sessionId,
        time: this.iso(minutes),
        attrs: { 'proofline.approval_policy': approvalPolicy, 'proofline.sandbox_policy': sandboxPolicy },
      }),
    );
    return this;
  }

  /** A Bash call allowed by the guard at `minutes`, with PreToolUse hook records and Codex's tool_result. */
  call(callId: string, minutes: number, decision: CallDecision = {}): this {
    const common = { session_id: this.sessionId, action_id: callId, turn_id: `${this.sessionId}-turn` };
    const command = `command of ${callId}`;
    this.records.push(
      observation({
        ...common,
        source: 'hook',
        kind: 'guard_decision',
        name: 'hook:PreToolUse',
        attrs: {
          'proofline.hook.event': 'PreToolUse',
          'proofline.route': 'allow',
          'proofline.verdict': 'allow',
          'proofline.reason': 'allowed',
          'proofline.matched_rules': '[]',
          'proofline.policy.digest': decision.policyDigest ?? POLICY_A,
          'proofline.tool.name': 'Bash',
          'proofline.input.digest': sha256Hex(command),
          'proofline.obligations': JSON.stringify(
            (decision.creates ?? []).map(({ rule, withinMs }) => ({
              id: this.obligationId(callId, rule),
              rule_id: rule,
              duty: `duty of ${rule}`,
              within_ms: withinMs,
            })),
          ),
          'proofline.discharges': JSON.stringify(decision.discharges ?? []),
          'proofline.waives': JSON.stringify(decision.waives ?? []),
        },
      }),
      observation({
        ...common,
        source: 'hook',
        kind: 'assumption',
        name: 'hook:PreToolUse',
        attrs: {
          'proofline.hook.event': 'PreToolUse',
          'proofline.cwd': '/work/app',
          'proofline.permission_mode': 'default',
          'proofline.git.head': 'abc123',
          'proofline.files': '[]',
        },
      }),
      observation({
        ...common,
        source: 'codex.log',
        kind: 'tool_result',
        name: 'codex.tool_result',
        time: this.iso(minutes),
        attrs: {
          'proofline.tool.name': 'Bash',
          'proofline.input.digest': sha256Hex(command),
          'proofline.execution': true,
          'proofline.success': true,
        },
      }),
    );
    return this;
  }

  end(minutes: number): this {
    this.records.push(
      observation({
        source: 'codex.log',
        kind: 'session_end',
        name: 'codex.session_end',
        session_id: this.sessionId,
        time: this.iso(minutes),
      }),
    );
    return this;
  }

  private iso(minutes: number): string {
    return new Date(Date.parse(this.start) + Math.round(minutes * MINUTE_MS)).toISOString();
  }
}
