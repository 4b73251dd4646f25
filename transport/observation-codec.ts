// How an Observation travels through a log (a DuckDB row or a Kafka record value): its JSON text. Decoding is
// the one gate (schemas/observation.ts#assertObservation) between a log and the stages after it: a foreign or
// corrupted record is dead-lettered here instead of failing deep inside a stage.
import { assertObservation, InvalidObservationError } from '../schemas/assert-observation.js';
import type { Observation } from '../schemas/observation.js';

export function encodeObservation(observation: Observation): string {
  return JSON.stringify(observation);
}

/** `checkId: false` skips recomputing the id, for a record this process built itself (see own-writes.ts). */
export function decodeObservation(text: string, { checkId = true } = {}): Observation {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidObservationError(`not JSON: ${(error as Error).message}`);
  }
  assertObservation(value, { checkId });
  return value;
}
