// Codex's tracing spans and span events (schemas/observations.md, "Codex 0.169.0 mapping"). Of about 140 span
// names only those that place a tool call or a model request in the graph are stored; span events are the
// privacy-safe copies of the log events and map like them.
import { canonicalDigest } from '../../schemas/digest.js';
import type { AttrValue, ObservationKind } from '../../schemas/observation.js';
import type { OtlpResource, OtlpSpan, OtlpSpanEvent } from '../otlp/model.js';
import { flattenAttributes, payloadDigest, stringAttribute } from './attributes.js';
import type { NormalizedBatch } from './batch.js';
import { codexEventFacts } from './codex-events.js';
import { redactSecrets } from '../../schemas/redact.js';
import { runtimeFamily } from './runtime-family.js';
import { joinKeys, ownSessionId } from './session.js';
import { spanDraft } from './span-draft.js';
import { ATTR } from '../../schemas/attributes.js';

// A Map, not an object: the names come off the wire, and `toString` or `constructor` must not find a kind.
const STORED_SPANS: ReadonlyMap<string, ObservationKind> = new Map(
  Object.entries({
    exec_command: 'tool_started',
    'unified_exec.exec_command': 'tool_started',
    'codex.hooks.command': 'other',
    'endpoint_session.stream_encoded_json_with': 'model_request',
    run_turn: 'other',
    'session_task.turn': 'other',
    dispatch_tool_call_with_state: 'other',
    handle_output_item_done: 'other',
    'codex.process.spawn': 'other',
    session_loop: 'other',
  }),
);

export function normalizeCodexSpan(
  span: OtlpSpan,
  resource: OtlpResource | undefined,
  session: string | undefined,
  batch: NormalizedBatch,
): void {
  for (const event of span.events ?? []) normalizeCodexSpanEvent(event, span, resource, session, batch);
  const name = span.name ?? '';
  const kind = STORED_SPANS.get(name);
  if (kind === undefined) return batch.spanNotKept(name);
  if (!session) return batch.reject('no_session');
  batch.add(
    spanDraft(span, resource, session, { source: 'codex.span', kind, attrs: codexSpanAttrs(span) }, batch),
  );
}

function codexSpanAttrs(span: OtlpSpan): Record<string, AttrValue> {
  switch (span.name) {
    case 'exec_command': {
      // The dispatch span exists for blocked calls too: it is no proof that the command ran.
      const toolName = stringAttribute(span.attributes, 'tool_name');
      return {
        ...(toolName ? { [ATTR.toolName]: redactSecrets(toolName) } : {}),
        [ATTR.execution]: false,
      };
    }
    case 'unified_exec.exec_command':
      // Only opened once the process is being started: the exec_command tool ran.
      return { [ATTR.toolName]: 'exec_command', [ATTR.execution]: true };
    case 'codex.hooks.command': {
      const event = stringAttribute(span.attributes, 'hook.event_name');
      return event ? { [ATTR.hookEvent]: redactSecrets(event) } : {};
    }
    default:
      return {};
  }
}

function normalizeCodexSpanEvent(
  event: OtlpSpanEvent,
  span: OtlpSpan,
  resource: OtlpResource | undefined,
  spanSession: string | undefined,
  batch: NormalizedBatch,
): void {
  const session = ownSessionId(event.attributes) ?? spanSession;
  // Without a session the event shares its span's fate (not kept, or rejected with it).
  if (!session) return;
  const name = stringAttribute(event.attributes, 'event.name') ?? event.name ?? '';
  const flat = flattenAttributes(event.attributes, batch.options);
  const facts = codexEventFacts(name, event.attributes, flat);
  if (facts.kind === 'other') batch.unknownEvent(name);
  batch.add({
    source: 'codex.span',
    runtime_family: runtimeFamily(resource?.attributes, event.attributes),
    session_id: session,
    ...joinKeys(event.attributes),
    kind: facts.kind,
    name: `span_event:${name}`,
    time_unix_nano: event.timeUnixNano ?? '0',
    trace_id: span.traceId,
    span_id: span.spanId,
    attrs: { ...flat.attrs, ...facts.attrs },
    payload_digest: payloadDigest(flat.contents),
    raw_digest: canonicalDigest(event),
  });
}
