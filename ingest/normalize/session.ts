// Which session a record belongs to (schemas/observations.md, "Session attribution of spans").
import type { OtlpKeyValue, OtlpSpan } from '../otlp/model.js';
import { stringAttribute } from './attributes.js';
import { SPAN } from '../../schemas/attributes.js';

/** In order of preference: proofline's own key, GenAI semconv, then Codex's three spellings. */
const SESSION_KEYS = [SPAN.sessionId, 'gen_ai.conversation.id', 'conversation.id', 'thread_id', 'thread.id'];

export function ownSessionId(attributes: readonly OtlpKeyValue[] | undefined): string | undefined {
  for (const key of SESSION_KEYS) {
    const value = stringAttribute(attributes, key);
    if (value) return value;
  }
  return undefined;
}

/** A span's session: its own, else its nearest ancestor's, else that of any span of its trace, all within
 * the spans of one request (Codex puts `conversation.id` on a few spans per trace only). */
export function attributeSpanSessions(spans: readonly OtlpSpan[]): Map<OtlpSpan, string | undefined> {
  const own = new Map(spans.map((span) => [span, ownSessionId(span.attributes)]));
  const byId = new Map(spans.map((span) => [`${span.traceId}/${span.spanId}`, span]));
  const byTrace = new Map<string | undefined, string>();
  for (const [span, session] of own)
    if (session && !byTrace.has(span.traceId)) byTrace.set(span.traceId, session);

  const parentOf = (span: OtlpSpan) =>
    span.parentSpanId ? byId.get(`${span.traceId}/${span.parentSpanId}`) : undefined;

  const sessions = new Map<OtlpSpan, string | undefined>();
  for (const span of spans) {
    let session = own.get(span);
    const visited = new Set<OtlpSpan>([span]);
    for (let parent = parentOf(span); !session && parent && !visited.has(parent); parent = parentOf(parent)) {
      visited.add(parent);
      session = own.get(parent);
    }
    sessions.set(span, session ?? (span.traceId ? byTrace.get(span.traceId) : undefined));
  }
  return sessions;
}

/** Where a non-Codex record's session came from: GenAI semantic conventions, or proofline's SDK keys. */
export function genericSource(attributes: readonly OtlpKeyValue[] | undefined): 'genai' | 'sdk' {
  return !stringAttribute(attributes, SPAN.sessionId) && stringAttribute(attributes, 'gen_ai.conversation.id')
    ? 'genai'
    : 'sdk';
}

/** The turn and the tool call a record belongs to, under the names Codex, GenAI semconv and proofline use. */
export function joinKeys(attributes: readonly OtlpKeyValue[] | undefined): {
  turn_id?: string;
  action_id?: string;
} {
  const first = (keys: string[]) => keys.map((key) => stringAttribute(attributes, key)).find(Boolean);
  return {
    turn_id: first([SPAN.turnId, 'turn.id', 'turn_id']),
    action_id: first([SPAN.actionId, 'call_id', 'gen_ai.tool.call.id']),
  };
}
