// The contract between ingest and the assembler (docs/ARCHITECTURE.md, "Observations"). Ingest produces these;
// transports carry them unchanged; the assembler consumes them. Their validator is assert-observation.ts.
import { canonicalDigest } from './digest.js';

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

/** The longest session, turn or action id proofline takes from the wire. */
export const MAX_ID_LENGTH = 256;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why an identifier from the wire is refused, or undefined when it is fine: ids are attacker-controlled and end
 * up in file names, logs and SQL, so only printable, well-formed text of bounded length is taken. */
export function identifierProblem(id: string): string | undefined {
  if (id === '') return 'is empty';
  if (id.length > MAX_ID_LENGTH) return `is longer than ${MAX_ID_LENGTH} characters`;
  // Control characters (C0, DEL, C1) and lone surrogates (text that was not well-formed UTF-8/UTF-16).
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(id)) return 'contains a control character';
  if (LONE_SURROGATE.test(id)) return 'is not well-formed Unicode';
  return undefined;
}

/** Fields excluded from an observation's identity. */
export const OBSERVATION_ID_EXCLUDES = ['id', 'observed_unix_nano'] as const;

export function observationId(obs: Omit<Observation, 'id'> | Observation): string {
  const identity: Record<string, unknown> = { ...obs };
  for (const key of OBSERVATION_ID_EXCLUDES) delete identity[key];
  return canonicalDigest(identity);
}
