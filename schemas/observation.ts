// The contract between ingest and the assembler (docs/ARCHITECTURE.md, "Observations"). Ingest produces these;
// transports carry them unchanged; the assembler consumes them. `assertObservation` is the one gate a record
// passes on its way out of a transport: what it lets through, every stage may rely on.
import { canonicalDigest } from './digest.js';
import { readDecisionObligations } from './decision.js';
import { ProoflineError } from './errors.js';
import { ROUTES } from './guard.js';
import { ATTR } from './attributes.js';

export const OBSERVATION_SCHEMA = 'proofline.observation/v1';

export const RUNTIME_FAMILIES = ['tool_hook', 'framework_sdk', 'managed_platform', 'gateway'] as const;
export type RuntimeFamily = (typeof RUNTIME_FAMILIES)[number];

export const OBSERVATION_SOURCES = ['codex.log', 'codex.span', 'hook', 'sdk', 'genai', 'collector'] as const;
export type ObservationSource = (typeof OBSERVATION_SOURCES)[number];

export const OBSERVATION_KINDS = [
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
  /** An event proofline does not (yet) interpret: kept, counted, never dropped. */
  'other',
] as const;
export type ObservationKind = (typeof OBSERVATION_KINDS)[number];

/** Attribute values after normalization: OTLP AnyValue flattened to JSON scalars (arrays/maps as JSON text). */
export type AttrValue = string | number | boolean | null;

export interface Observation {
  schema: typeof OBSERVATION_SCHEMA;
  /** sha256 (hex) of the canonical form of every other field except `observed_unix_nano`. */
  id: string;
  source: ObservationSource;
  runtime_family: RuntimeFamily;
  session_id: string;
  turn_id?: string;
  /** The tool call this belongs to (Codex call_id == hook tool_use_id). */
  action_id?: string;
  kind: ObservationKind;
  /** Original event name: `codex.tool_result`, `span:exec_command`, `span_event:codex.tool_call_received`, `hook:PreToolUse`. */
  name: string;
  /** The runtime's own event time as decimal nanoseconds; "0" when the source carries none (hook stdin). */
  time_unix_nano: string;
  /** When proofline received it. Not part of `id`, never written into a bundle: it is wall-clock. */
  observed_unix_nano: string;
  trace_id?: string;
  span_id?: string;
  parent_span_id?: string;
  /** Keys are catalogued in schemas/attributes.ts. */
  attrs: Record<string, AttrValue>;
  /** sha256 of the sensitive content (prompt, arguments, output) when there is any; the text itself only on opt-in. */
  payload_digest?: string;
  /** sha256 of the canonical form of the source record (decoded OTLP record or hook stdin object). */
  raw_digest: string;
  /** Explicit causal links (observation ids or `span:<trace>/<span>` refs), e.g. from `proofline.depends_on`. */
  depends_on?: string[];
}

/** Fields excluded from an observation's identity. */
export const OBSERVATION_ID_EXCLUDES = ['id', 'observed_unix_nano'] as const;

export function observationId(obs: Omit<Observation, 'id'> | Observation): string {
  const identity: Record<string, unknown> = { ...obs };
  for (const key of OBSERVATION_ID_EXCLUDES) delete identity[key];
  return canonicalDigest(identity);
}

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
 * deduplication). Throws InvalidObservationError naming the first problem. */
export function assertObservation(value: unknown): asserts value is Observation {
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
  if (value.id !== observationId(value as unknown as Observation)) fail('id is not the digest of the record');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
