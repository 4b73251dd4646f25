// Spans from agent frameworks (proofline/sdk), gateways and managed platforms: OpenTelemetry GenAI semantic
// conventions plus proofline's span events (schemas/spans.md). A tool call span is the call itself: its start
// opens the action, its end closes it; one that did not run (`proofline.execution=false`) was only proposed.
import { canonicalDigest, sha256Hex } from '../../schemas/digest.js';
import type { AttrValue, ObservationKind } from '../../schemas/observation.js';
import type { OtlpResource, OtlpSpan, OtlpSpanEvent } from '../otlp/model.js';
import { boolAttribute, flattenAttributes, payloadDigest, stringAttribute } from './attributes.js';
import type { NormalizedBatch } from './batch.js';
import { argumentsDigest } from './input-digest.js';
import { redactSecrets } from '../../schemas/redact.js';
import { runtimeFamily } from './runtime-family.js';
import { genericSource, joinKeys, ownSessionId } from './session.js';
import { spanDraft } from './span-draft.js';
import { ATTR, SPAN } from '../../schemas/attributes.js';

const TOOL_CALL_OPERATION = 'execute_tool';
const MODEL_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);
/** OTLP status code ERROR. */
const STATUS_ERROR = 2;

// A Map, not an object: the names come off the wire, and `toString` or `constructor` must not find a kind.
const EVENT_KINDS: ReadonlyMap<string, ObservationKind> = new Map(
  Object.entries({
    [SPAN.assumptionEvent]: 'assumption',
    [SPAN.approvalEvent]: 'approval',
  }),
);

export function normalizeGenAiSpan(
  span: OtlpSpan,
  resource: OtlpResource | undefined,
  session: string | undefined,
  batch: NormalizedBatch,
): void {
  for (const event of span.events ?? []) normalizeProoflineEvent(event, span, resource, session, batch);
  const name = span.name ?? '';
  if (!session) return batch.spanNotKept(name);
  const operation = stringAttribute(span.attributes, 'gen_ai.operation.name');
  if (operation === TOOL_CALL_OPERATION || (!operation && name.startsWith(`${TOOL_CALL_OPERATION} `)))
    return normalizeToolCall(span, resource, session, batch);
  const kind: ObservationKind = MODEL_OPERATIONS.has(operation ?? '') ? 'model_request' : 'other';
  batch.add(
    spanDraft(span, resource, session, { source: genericSource(span.attributes), kind, attrs: {} }, batch),
  );
}

function normalizeToolCall(
  span: OtlpSpan,
  resource: OtlpResource | undefined,
  session: string,
  batch: NormalizedBatch,
): void {
  const flat = flattenAttributes(span.attributes, batch.options);
  const { contents } = flat;
  const name = span.name ?? '';
  const toolName =
    stringAttribute(span.attributes, 'gen_ai.tool.name') ?? name.slice(TOOL_CALL_OPERATION.length + 1);
  const argumentsText = contents['gen_ai.tool.call.arguments'];
  const inputDigest =
    stringAttribute(span.attributes, ATTR.inputDigest) ??
    (argumentsText === undefined ? undefined : argumentsDigest(argumentsText));
  // GenAI semantics: the span is the execution. Only an explicit false says the call never ran.
  const executed = boolAttribute(span.attributes, ATTR.execution) ?? true;
  const tool: Record<string, AttrValue> = {
    [ATTR.toolName]: redactSecrets(toolName),
    ...(inputDigest === undefined ? {} : { [ATTR.inputDigest]: inputDigest }),
    [ATTR.execution]: executed,
  };
  const source = genericSource(span.attributes);
  const opened = spanDraft(
    span,
    resource,
    session,
    { source, kind: executed ? 'tool_started' : 'tool_proposed', attrs: tool },
    batch,
    flat,
  );
  batch.add(opened);
  if (!executed) return;

  const resultText = contents['gen_ai.tool.call.result'];
  const outputDigest =
    stringAttribute(span.attributes, ATTR.outputDigest) ??
    (resultText === undefined ? undefined : sha256Hex(resultText));
  batch.add({
    ...opened,
    kind: 'tool_result',
    name: `span_end:${name}`,
    time_unix_nano: span.endTimeUnixNano ?? opened.time_unix_nano,
    attrs: {
      ...opened.attrs,
      [ATTR.success]: boolAttribute(span.attributes, ATTR.success) ?? span.status?.code !== STATUS_ERROR,
      ...(outputDigest === undefined ? {} : { [ATTR.outputDigest]: outputDigest }),
    },
  });
}

/** `proofline.assumption` and `proofline.approval` events: receipts a runtime reports about its span's action. */
function normalizeProoflineEvent(
  event: OtlpSpanEvent,
  span: OtlpSpan,
  resource: OtlpResource | undefined,
  spanSession: string | undefined,
  batch: NormalizedBatch,
): void {
  const name = event.name ?? '';
  const kind = EVENT_KINDS.get(name);
  const session = ownSessionId(event.attributes) ?? spanSession;
  if (kind === undefined || !session) return;
  const flat = flattenAttributes(event.attributes, batch.options);
  const own = joinKeys(event.attributes);
  const ofSpan = joinKeys(span.attributes);
  const turn = own.turn_id ?? ofSpan.turn_id;
  const action = own.action_id ?? ofSpan.action_id;
  batch.add({
    source: genericSource(span.attributes),
    runtime_family: runtimeFamily(resource?.attributes, span.attributes),
    session_id: session,
    ...(turn === undefined ? {} : { turn_id: turn }),
    ...(action === undefined ? {} : { action_id: action }),
    kind,
    name: `span_event:${name}`,
    time_unix_nano: event.timeUnixNano ?? '0',
    trace_id: span.traceId,
    span_id: span.spanId,
    attrs: flat.attrs,
    payload_digest: payloadDigest(flat.contents),
    raw_digest: canonicalDigest(event),
  });
}
