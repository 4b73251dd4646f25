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

  // What each span inherits from its ancestors, found once per span: a walk up from every span separately
  // made a request holding one long parent chain cost quadratic time on the server's thread. A path is walked
  // until a span whose answer is known, its own session, the root or a cycle, and the answer given to it all.
  const inherited = new Map<OtlpSpan, string | undefined>();
  for (const span of spans) {
    const path = new Set<OtlpSpan>();
    let found: string | undefined;
    for (let at: OtlpSpan | undefined = span; at !== undefined; at = parentOf(at)) {
      if (inherited.has(at)) {
        found = inherited.get(at);
        break;
      }
      found = own.get(at);
      if (found || path.has(at)) break;
      path.add(at);
    }
    for (const walked of path) inherited.set(walked, found);
  }
  const sessions = new Map<OtlpSpan, string | undefined>();
  for (const span of spans)
    sessions.set(
      span,
      own.get(span) ?? inherited.get(span) ?? (span.traceId ? byTrace.get(span.traceId) : undefined),
    );
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
