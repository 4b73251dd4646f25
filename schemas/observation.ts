// The contract between ingest and the assembler (DESIGN §3). Ingest produces these; transports carry them
// unchanged; the assembler consumes them. Nothing here depends on any stage.

export const OBSERVATION_SCHEMA = 'proofline.observation/v1';

export type RuntimeFamily = 'tool_hook' | 'framework_sdk' | 'managed_platform' | 'gateway';
export const RUNTIME_FAMILIES: readonly RuntimeFamily[] = [
  'tool_hook',
  'framework_sdk',
  'managed_platform',
  'gateway',
];

export type ObservationSource = 'codex.log' | 'codex.span' | 'hook' | 'sdk' | 'genai' | 'collector';

export type ObservationKind =
  | 'session_start'
  | 'prompt'
  | 'model_request'
  | 'tool_proposed'
  | 'guard_decision'
  | 'assumption'
  | 'approval'
  | 'tool_started'
  | 'tool_result'
  | 'turn_end'
  | 'session_end'
  | 'config'
  /** An event proofline does not (yet) interpret: kept, counted, never dropped. */
  | 'other';

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
