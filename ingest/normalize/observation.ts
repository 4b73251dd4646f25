// Builds a schema-conformant Observation: fixes the schema tag, stamps the receive time, derives the id.
import { observationId } from '../../schemas/digest.js';
import { OBSERVATION_SCHEMA, type Observation } from '../../schemas/observation.js';

export type ObservationDraft = Omit<Observation, 'schema' | 'id' | 'observed_unix_nano'>;

export function makeObservation(draft: ObservationDraft, observedUnixNano: string): Observation {
  const withoutId = { schema: OBSERVATION_SCHEMA as typeof OBSERVATION_SCHEMA, ...dropUndefined(draft), observed_unix_nano: observedUnixNano };
  return { id: observationId(withoutId), ...withoutId } as Observation;
}

// Optional fields left undefined must not change the canonical form (JCS has no `undefined`).
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function nowUnixNano(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}
