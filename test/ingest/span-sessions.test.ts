// A span's session comes from itself, else its nearest ancestor with one, else any span of its trace. The
// server finds it once per span (a walk up from every span separately was quadratic in a chain's length:
// 6,000 spans in one chain held the receiver for 8 s); here it is checked against that plain walk, on random
// span forests with cycles, missing parents and spans of several traces.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { OtlpSpan } from '../../ingest/otlp/model.js';
import { attributeSpanSessions, ownSessionId } from '../../ingest/normalize/session.js';

/** The definition, walked from every span on its own. */
function reference(spans: readonly OtlpSpan[]): Map<OtlpSpan, string | undefined> {
  const byId = new Map(spans.map((span) => [`${span.traceId}/${span.spanId}`, span]));
  const byTrace = new Map<string | undefined, string>();
  for (const span of spans) {
    const own = ownSessionId(span.attributes);
    if (own && !byTrace.has(span.traceId)) byTrace.set(span.traceId, own);
  }
  const result = new Map<OtlpSpan, string | undefined>();
  for (const span of spans) {
    let session = ownSessionId(span.attributes);
    const visited = new Set([span]);
    let parent = span.parentSpanId ? byId.get(`${span.traceId}/${span.parentSpanId}`) : undefined;
    while (!session && parent && !visited.has(parent)) {
      visited.add(parent);
      session = ownSessionId(parent.attributes);
      parent = parent.parentSpanId ? byId.get(`${parent.traceId}/${parent.parentSpanId}`) : undefined;
    }
    result.set(span, session ?? (span.traceId ? byTrace.get(span.traceId) : undefined));
  }
  return result;
}

const spanForest = fc
  .array(
    fc.record({
      trace: fc.constantFrom('t1', 't2'),
      parent: fc.option(fc.nat({ max: 40 }), { nil: undefined }),
      session: fc.option(fc.constantFrom('s-a', 's-b', 's-c'), { nil: undefined, freq: 4 }),
    }),
    { maxLength: 40 },
  )
  .map((specs) =>
    specs.map(({ trace, parent, session }, i): OtlpSpan => ({
      traceId: trace,
      spanId: `span${i}`,
      // Parents may point forward, at themselves, into a cycle, or at a span that is not there.
      ...(parent === undefined ? {} : { parentSpanId: `span${parent}` }),
      name: `span ${i}`,
      attributes: session === undefined ? [] : [{ key: 'conversation.id', value: { stringValue: session } }],
    })),
  );

describe('span session attribution', () => {
  it('gives every span the session the plain walk up its ancestors gives it', () => {
    fc.assert(
      fc.property(spanForest, (spans) => {
        expect(attributeSpanSessions(spans)).toEqual(reference(spans));
      }),
      { numRuns: 2000 },
    );
  });

  it("takes a chain 20,000 spans long, each span given its nearest ancestor's session", () => {
    // Sessions on the root and halfway down only: below the middle, the trace's first session (the root's)
    // would be the wrong answer, so inheritance is what this checks, at a length the walk per span choked on.
    const sessionAt = new Map([
      [0, 'root-session'],
      [10_000, 'mid-session'],
    ]);
    const spans: OtlpSpan[] = Array.from({ length: 20_000 }, (_, i) => ({
      traceId: 'deep',
      spanId: `span${i}`,
      ...(i === 0 ? {} : { parentSpanId: `span${i - 1}` }),
      name: `span ${i}`,
      attributes: sessionAt.has(i)
        ? [{ key: 'conversation.id', value: { stringValue: sessionAt.get(i)! } }]
        : [],
    }));
    const sessions = attributeSpanSessions(spans);
    expect(spans.slice(0, 10_000).every((span) => sessions.get(span) === 'root-session')).toBe(true);
    expect(spans.slice(10_000).every((span) => sessions.get(span) === 'mid-session')).toBe(true);
  });
});
