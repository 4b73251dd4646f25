// The gate every delivered record passes before it joins a session. A record that fails here is
// dead-lettered: it would otherwise poison every later step for its session (or, with a forged id, defeat
// deduplication).
import { observationId } from '../schemas/digest.js';
import { ROUTES } from '../schemas/guard.js';
import {
  OBSERVATION_SCHEMA,
  RUNTIME_FAMILIES,
  type Observation,
  type ObservationKind,
} from '../schemas/observation.js';
import { InvalidObservationError } from './errors.js';
import { readDecisionObligations } from './obligations.js';

const KINDS: readonly ObservationKind[] = [
  'session_start',
  'prompt',
  'model_request',
  'tool_proposed',
  'guard_decision',
  'assumption',
  'approval',
  'tool_started',
  'tool_result',
  'turn_end',
  'session_end',
  'config',
  'other',
];

export function assertObservation(value: unknown): asserts value is Observation {
  if (value === null || typeof value !== 'object') throw new InvalidObservationError('not an object');
  const obs = value as Partial<Observation>;
  if (obs.schema !== OBSERVATION_SCHEMA) throw new InvalidObservationError(`schema ${String(obs.schema)}`);
  if (typeof obs.session_id !== 'string' || obs.session_id === '')
    throw new InvalidObservationError('no session_id');
  if (obs.action_id !== undefined && (typeof obs.action_id !== 'string' || obs.action_id === '')) {
    throw new InvalidObservationError('empty action_id');
  }
  if (!KINDS.includes(obs.kind as ObservationKind))
    throw new InvalidObservationError(`kind ${String(obs.kind)}`);
  if (!RUNTIME_FAMILIES.includes(obs.runtime_family!)) {
    throw new InvalidObservationError(`runtime_family ${String(obs.runtime_family)}`);
  }
  if (typeof obs.time_unix_nano !== 'string' || !/^\d+$/.test(obs.time_unix_nano)) {
    throw new InvalidObservationError(`time_unix_nano ${String(obs.time_unix_nano)}`);
  }
  if (obs.attrs === null || typeof obs.attrs !== 'object' || Array.isArray(obs.attrs)) {
    throw new InvalidObservationError('attrs is not a map');
  }
  for (const [key, attr] of Object.entries(obs.attrs)) {
    if (attr !== null && !['string', 'number', 'boolean'].includes(typeof attr)) {
      throw new InvalidObservationError(`attr ${key} is not a scalar`);
    }
  }
  if (
    obs.kind === 'guard_decision' &&
    !(ROUTES as readonly unknown[]).includes(obs.attrs['proofline.route'])
  ) {
    throw new InvalidObservationError(`guard decision with route ${String(obs.attrs['proofline.route'])}`);
  }
  // Obligation keys are read for the whole session later: a malformed one must not get that far.
  if (obs.kind === 'guard_decision') readDecisionObligations(obs as Observation);
  if (obs.id !== observationId(obs as Observation))
    throw new InvalidObservationError('id is not the digest of the record');
}
