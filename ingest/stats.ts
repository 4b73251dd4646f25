// What one OTLP request yielded, and the receiver's running totals over all of them (GET /v1/status).

export type RejectReason = 'no_session' | 'invalid_hook_span' | 'invalid_id';

/** Human descriptions of each rejection reason, for partial_success.error_message. */
export const REJECT_REASON_TEXT: Readonly<Record<RejectReason, string>> = {
  no_session: 'no session id (conversation.id, thread_id, gen_ai.conversation.id or proofline.session.id)',
  invalid_hook_span: 'proofline.hook span with an invalid payload or decision',
  invalid_id:
    'a session, turn or action id that is empty, too long, not well-formed Unicode, or holds a control character',
};

export type Counts = Record<string, number>;

export interface RequestStats {
  /** Log records, spans, or metric data points received. */
  records: number;
  rejected: Partial<Record<RejectReason, number>>;
  /** Events kept as kind `other`, by event name. */
  unknownEvents: Counts;
  /** Spans proofline does not store, by span name. */
  spansNotKept: Counts;
}

export function emptyRequestStats(): RequestStats {
  return { records: 0, rejected: {}, unknownEvents: {}, spansNotKept: {} };
}

export function rejectedCount(stats: RequestStats): number {
  return Object.values(stats.rejected).reduce((sum, n) => sum + n, 0);
}

export function increment<K extends string>(counts: Partial<Record<K, number>>, key: K, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

export interface StatusSnapshot {
  requests: Counts;
  records: { received: Counts; accepted: number; rejected: number };
  observations_published: number;
  unknown_events: Counts;
  spans_not_kept: Counts;
  rejected: Counts;
}

export class ReceiverStats {
  private readonly requests: Counts = {};
  private readonly received: Counts = {};
  private accepted = 0;
  private published = 0;
  private readonly unknownEvents: Counts = {};
  private readonly spansNotKept: Counts = {};
  private readonly rejected: Counts = {};

  recordResponse(statusCode: number): void {
    increment(this.requests, String(statusCode));
  }

  /** An acknowledged request: its records are counted once its observations are durable. */
  recordAcknowledged(signal: string, stats: RequestStats, observationsPublished: number): void {
    increment(this.received, signal, stats.records);
    this.accepted += stats.records - rejectedCount(stats);
    this.published += observationsPublished;
    for (const [reason, n] of Object.entries(stats.rejected)) increment(this.rejected, reason, n);
    for (const [name, n] of Object.entries(stats.unknownEvents)) increment(this.unknownEvents, name, n);
    for (const [name, n] of Object.entries(stats.spansNotKept)) increment(this.spansNotKept, name, n);
  }

  snapshot(): StatusSnapshot {
    return {
      requests: { ...this.requests },
      records: { received: { ...this.received }, accepted: this.accepted, rejected: sum(this.rejected) },
      observations_published: this.published,
      unknown_events: { ...this.unknownEvents },
      spans_not_kept: { ...this.spansNotKept },
      rejected: { ...this.rejected },
    };
  }
}

function sum(counts: Counts): number {
  return Object.values(counts).reduce((total, n) => total + n, 0);
}
