// Builds a schema-conformant Observation: fixes the schema tag, stamps the receive time, derives the id.
import { observationId } from '../../schemas/observation.js';
import { OBSERVATION_SCHEMA, type Observation } from '../../schemas/observation.js';

export type ObservationDraft = Omit<Observation, 'schema' | 'id' | 'observed_unix_nano'>;

export function makeObservation(draft: ObservationDraft, observedUnixNano: string): Observation {
  // Key order id, schema, the draft's keys, observed time: the order the stored JSON text has always had.
  const observation: Record<string, unknown> = { id: '', schema: OBSERVATION_SCHEMA };
  for (const [key, value] of Object.entries(draft)) {
    // Optional fields left undefined must not change the canonical form (JCS has no `undefined`).
    if (value !== undefined) observation[key] = value;
  }
  observation.observed_unix_nano = observedUnixNano;
  observation.id = observationId(observation as unknown as Observation);
  return observation as unknown as Observation;
}

export function nowUnixNano(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}
