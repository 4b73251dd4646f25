// What normalizing one OTLP request produces: the observations, and the counts behind /v1/status and
// partial_success. Normalizers add to it instead of returning parallel lists.
import type { Observation } from '../../schemas/observation.js';
import { emptyRequestStats, increment, type RejectReason } from '../stats.js';
import type { ContentPolicy } from './content.js';
import { makeObservation, type ObservationDraft } from './observation.js';

export interface NormalizeOptions extends ContentPolicy {
  /** Receive time stamped on every observation of the request. */
  observedUnixNano: string;
}

export class NormalizedBatch {
  readonly observations: Observation[] = [];
  readonly stats = emptyRequestStats();

  constructor(readonly options: NormalizeOptions) {}

  /** A record arrived (log record, span, or metric data points). */
  received(count = 1): void {
    this.stats.records += count;
  }

  add(draft: ObservationDraft): void {
    this.observations.push(makeObservation(draft, this.options.observedUnixNano));
  }

  addObservations(observations: readonly Observation[]): void {
    this.observations.push(...observations);
  }

  reject(reason: RejectReason): void {
    increment(this.stats.rejected, reason);
  }

  unknownEvent(name: string): void {
    increment(this.stats.unknownEvents, name);
  }

  spanNotKept(name: string): void {
    increment(this.stats.spansNotKept, name);
  }
}
