// What normalizing one OTLP request produces: the observations, and the counts behind /v1/status and
// partial_success. Normalizers add to it instead of returning parallel lists.
import { identifierProblem, type Observation } from '../../schemas/observation.js';
import { emptyRequestStats, increment, type RejectReason } from '../stats.js';
import type { ContentPolicy } from './content.js';
import { makeObservation, type ObservationDraft } from './observation.js';

export interface NormalizeOptions extends ContentPolicy {
  /** Receive time stamped on every observation of the request. */
  observedUnixNano: string;
}

/** Why a record's session, turn or action id cannot be taken, or undefined. */
export function idsProblem(ids: {
  session_id: string;
  turn_id?: string;
  action_id?: string;
}): string | undefined {
  for (const key of ['session_id', 'turn_id', 'action_id'] as const) {
    const value = ids[key];
    const problem = value === undefined ? undefined : identifierProblem(value);
    if (problem !== undefined) return `${key} ${problem}`;
  }
  return undefined;
}

export class NormalizedBatch {
  readonly observations: Observation[] = [];
  readonly stats = emptyRequestStats();

  constructor(readonly options: NormalizeOptions) {}

  /** A record arrived (log record, span, or metric data points). */
  received(count = 1): void {
    this.stats.records += count;
  }

  /** A record whose ids could not be stored safely is rejected (counted, reported as partial success). */
  add(draft: ObservationDraft): void {
    if (idsProblem(draft) !== undefined) return this.reject('invalid_id');
    this.observations.push(makeObservation(draft, this.options.observedUnixNano));
  }

  addObservations(observations: readonly Observation[]): void {
    for (const observation of observations) {
      if (idsProblem(observation) !== undefined) this.reject('invalid_id');
      else this.observations.push(observation);
    }
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
