// How an Observation travels through a log (a DuckDB row or a Kafka record value): its JSON text. Decoding
// checks the shape the assembler relies on, so a foreign or corrupted record is dead-lettered at the
// transport instead of failing deep inside a stage.
import { OBSERVATION_SCHEMA, type Observation } from '../schemas/observation.js';

import { InvalidObservationError } from './errors.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const DECIMAL = /^[0-9]+$/;
const REQUIRED_STRINGS = ['source', 'runtime_family', 'session_id', 'kind', 'name'] as const;
const OPTIONAL_STRINGS = [
  'turn_id',
  'action_id',
  'trace_id',
  'span_id',
  'parent_span_id',
  'payload_digest',
] as const;

export function encodeObservation(observation: Observation): string {
  return JSON.stringify(observation);
}

export function decodeObservation(text: string): Observation {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidObservationError(`not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(value)) throw new InvalidObservationError('not a JSON object');
  if (value.schema !== OBSERVATION_SCHEMA)
    throw new InvalidObservationError(`schema is not ${OBSERVATION_SCHEMA}`);
  for (const key of ['id', 'raw_digest'] as const) {
    if (typeof value[key] !== 'string' || !SHA256_HEX.test(value[key])) {
      throw new InvalidObservationError(`${key} is not a sha256 hex digest`);
    }
  }
  for (const key of REQUIRED_STRINGS) {
    if (typeof value[key] !== 'string' || value[key] === '')
      throw new InvalidObservationError(`${key} is missing`);
  }
  for (const key of ['time_unix_nano', 'observed_unix_nano'] as const) {
    if (typeof value[key] !== 'string' || !DECIMAL.test(value[key])) {
      throw new InvalidObservationError(`${key} is not a decimal string`);
    }
  }
  for (const key of OPTIONAL_STRINGS) {
    if (value[key] !== undefined && typeof value[key] !== 'string') {
      throw new InvalidObservationError(`${key} is not a string`);
    }
  }
  if (!isRecord(value.attrs)) throw new InvalidObservationError('attrs is not an object');
  if (value.depends_on !== undefined && !isStringArray(value.depends_on)) {
    throw new InvalidObservationError('depends_on is not an array of strings');
  }
  return value as unknown as Observation;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
