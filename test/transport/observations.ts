// Valid Observations for transport tests: real ids (sha256 of the canonical record), so they pass the
// transports' decoding exactly as ingest's output would.
import { observationId } from '../../schemas/observation.js';
import { OBSERVATION_SCHEMA, type Observation } from '../../schemas/observation.js';

export function makeObservation(sessionId: string, name: string): Observation {
  const body: Omit<Observation, 'id'> = {
    schema: OBSERVATION_SCHEMA,
    source: 'hook',
    runtime_family: 'tool_hook',
    session_id: sessionId,
    kind: 'other',
    name,
    time_unix_nano: '0',
    observed_unix_nano: String(Date.now() * 1_000_000),
    attrs: { 'proofline.test': name },
    raw_digest: '0'.repeat(64),
  };
  return { id: observationId(body), ...body };
}

export function makeObservations(sessionId: string, prefix: string, count: number): Observation[] {
  return Array.from({ length: count }, (_, index) => makeObservation(sessionId, `${prefix}-${index}`));
}
