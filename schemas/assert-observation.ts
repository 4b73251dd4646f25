// The one gate a record passes on its way out of a transport (schemas/observation.ts is the type): what it
// lets through, every stage after it may rely on.
import { ATTR } from './attributes.js';
import { readDecisionObligations } from './decision.js';
import { ProoflineError } from './errors.js';
import { ROUTES } from './guard.js';
import {
  OBSERVATION_KINDS,
  OBSERVATION_SCHEMA,
  OBSERVATION_SOURCES,
  identifierProblem,
  observationId,
  RUNTIME_FAMILIES,
  type AttrValue,
  type Observation,
  type ObservationKind,
  type ObservationSource,
  type RuntimeFamily,
} from './observation.js';

/** A record that is not a usable Observation: it is dead-lettered with this reason, never retried. */
export class InvalidObservationError extends ProoflineError<'INVALID_OBSERVATION'> {
  constructor(reason: string) {
    super('INVALID_OBSERVATION', reason);
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const DECIMAL = /^[0-9]+$/;
const OPTIONAL_STRINGS = ['turn_id', 'trace_id', 'span_id', 'parent_span_id', 'payload_digest'] as const;

/** Checks everything the stages after a transport rely on, the id included (a forged id would defeat
 * deduplication) unless the caller built the record itself (`checkId: false`). Throws InvalidObservationError
 * naming the first problem. */
export function assertObservation(value: unknown, { checkId = true } = {}): asserts value is Observation {
  const fail = (reason: string): never => {
    throw new InvalidObservationError(reason);
  };
  if (!isRecord(value)) return fail('not a JSON object');
  if (value.schema !== OBSERVATION_SCHEMA) fail(`schema is not ${OBSERVATION_SCHEMA}`);
  for (const key of ['id', 'raw_digest'] as const)
    if (typeof value[key] !== 'string' || !SHA256_HEX.test(value[key]))
      fail(`${key} is not a sha256 hex digest`);
  for (const key of ['session_id', 'name'] as const)
    if (typeof value[key] !== 'string' || value[key] === '') fail(`${key} is missing`);
  if (value.action_id !== undefined && (typeof value.action_id !== 'string' || value.action_id === ''))
    fail('action_id is empty or not a string');
  for (const key of ['session_id', 'turn_id', 'action_id'] as const) {
    const id = value[key];
    const problem = typeof id === 'string' ? identifierProblem(id) : undefined;
    if (problem !== undefined) fail(`${key} ${problem}`);
  }
  if (!OBSERVATION_SOURCES.includes(value.source as ObservationSource))
    fail(`source ${String(value.source)}`);
  if (!OBSERVATION_KINDS.includes(value.kind as ObservationKind)) fail(`kind ${String(value.kind)}`);
  if (!RUNTIME_FAMILIES.includes(value.runtime_family as RuntimeFamily))
    fail(`runtime_family ${String(value.runtime_family)}`);
  for (const key of ['time_unix_nano', 'observed_unix_nano'] as const)
    if (typeof value[key] !== 'string' || !DECIMAL.test(value[key])) fail(`${key} is not a decimal string`);
  for (const key of OPTIONAL_STRINGS)
    if (value[key] !== undefined && typeof value[key] !== 'string') fail(`${key} is not a string`);
  if (!isRecord(value.attrs)) return fail('attrs is not an object');
  for (const [key, attr] of Object.entries(value.attrs))
    if (attr !== null && !['string', 'number', 'boolean'].includes(typeof attr))
      fail(`attr ${key} is not a scalar`);
  if (value.depends_on !== undefined && !isStringArray(value.depends_on))
    fail('depends_on is not an array of strings');
  if (value.kind === 'guard_decision') {
    const route = value.attrs[ATTR.route];
    if (!(ROUTES as readonly unknown[]).includes(route)) fail(`guard decision with route ${String(route)}`);
    // Read for the whole session later: a malformed obligation list must not get that far.
    try {
      readDecisionObligations(value.attrs as Record<string, AttrValue>);
    } catch (error) {
      fail((error as Error).message);
    }
  }
  if (checkId && value.id !== observationId(value as unknown as Observation))
    fail('id is not the digest of the record');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
