// fast-check generators for the property tests: OTLP export requests shaped like what Codex and GenAI runtimes
// send (attribute keys the normalizers branch on, ids of right and wrong sizes, nested AnyValues), raw bytes,
// and Codex hook payloads with hostile fields. One seed per run, printed, so a failure can be replayed with
// FC_SEED=<seed>.
import fc from 'fast-check';

export const SEED = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));

const KEYS = [
  'event.name',
  'conversation.id',
  'call_id',
  'turn.id',
  'tool_name',
  'decision',
  'arguments',
  'output',
  'success',
  'gen_ai.operation.name',
  'gen_ai.tool.name',
  'gen_ai.tool.call.id',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'gen_ai.conversation.id',
  'gen_ai.input.messages',
  'proofline.runtime.family',
  'proofline.session.id',
  'proofline.turn.id',
  'proofline.action.id',
  'proofline.hook.event',
  'proofline.hook.payload',
  'proofline.hook.decision',
  'proofline.depends_on',
  'proofline.route',
  'proofline.verdict',
];
const EVENT_NAMES = [
  'codex.tool_decision',
  'codex.tool_result',
  'codex.conversation_starts',
  'codex.user_prompt',
  'codex.api_request',
  'codex.sse_event',
  'codex.agent_response',
  'codex.hooks.command',
  'codex.tool_call_received',
];
const SPAN_NAMES = [
  'exec_command',
  'codex.hooks.command',
  'session_task.turn',
  'execute_tool run',
  'chat',
  'proofline.hook',
];
const FAMILIES = ['tool_hook', 'framework_sdk', 'managed_platform', 'gateway', 'other'];

const text = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom(
    ...EVENT_NAMES,
    ...FAMILIES,
    'PreToolUse',
    'approved',
    'denied',
    'true',
    '{"command":"ls"}',
    '[]',
  ),
);

const { anyValue, keyValue } = fc.letrec<{
  anyValue: Record<string, unknown>;
  keyValue: Record<string, unknown>;
}>((tie) => ({
  anyValue: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.record({ stringValue: text }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) }),
    fc.record({ doubleValue: fc.double() }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 12 }) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('anyValue'), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(tie('keyValue'), { maxLength: 3 }) }) }),
    fc.constant({}),
  ),
  keyValue: fc.record({
    key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 })),
    value: tie('anyValue'),
  }),
}));

const str = (value: fc.Arbitrary<string>) => value.map((stringValue) => ({ stringValue }));
/** Most records name a session (as the normalizers need), some do not (they must be rejected, not dropped). */
const sessionKv = fc.record({
  key: fc.constantFrom('conversation.id', 'gen_ai.conversation.id', 'proofline.session.id'),
  value: str(fc.constantFrom('s-1', 's-2', '019a-session')),
});
const attributes = fc
  .tuple(fc.option(sessionKv, { freq: 5 }), fc.array(keyValue, { maxLength: 6 }))
  .map(([session, rest]) => (session ? [session, ...rest] : rest));
/** Mostly right-sized ids, sometimes not: a wrong size must be a 400, never a crash. */
const id = (size: number) =>
  fc.oneof(
    { weight: 30, arbitrary: fc.uint8Array({ minLength: size, maxLength: size }) },
    fc.uint8Array({ maxLength: 20 }),
  );
const nanos = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String), fc.constant('0'));

const logRecord = fc.record(
  {
    timeUnixNano: nanos,
    observedTimeUnixNano: nanos,
    severityText: fc.string({ maxLength: 8 }),
    body: anyValue,
    attributes: fc
      .tuple(
        attributes,
        fc.option(fc.record({ key: fc.constant('event.name'), value: str(fc.constantFrom(...EVENT_NAMES)) })),
      )
      .map(([rest, event]) => (event ? [event, ...rest] : rest)),
    traceId: id(16),
    spanId: id(8),
    eventName: fc.string({ maxLength: 16 }),
  },
  { requiredKeys: [] },
);

const span = fc.record(
  {
    traceId: id(16),
    spanId: id(8),
    parentSpanId: id(8),
    name: fc.oneof(fc.constantFrom(...SPAN_NAMES), fc.string({ maxLength: 16 })),
    kind: fc.integer({ min: 0, max: 5 }),
    startTimeUnixNano: nanos,
    endTimeUnixNano: nanos,
    attributes,
    events: fc.array(
      fc.record({
        name: fc.oneof(fc.constantFrom(...EVENT_NAMES), fc.string()),
        timeUnixNano: nanos,
        attributes,
      }),
      {
        maxLength: 2,
      },
    ),
    status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.string({ maxLength: 8 }) }),
  },
  { requiredKeys: [] },
);

const resource = fc.record(
  {
    attributes: fc
      .tuple(fc.constantFrom('codex_exec', 'codex-tui', 'my-agent'), fc.array(keyValue, { maxLength: 3 }))
      .map(([service, rest]) => [{ key: 'service.name', value: { stringValue: service } }, ...rest]),
  },
  { requiredKeys: [] },
);
const scope = fc.record(
  { name: fc.string({ maxLength: 12 }), version: fc.string({ maxLength: 6 }) },
  { requiredKeys: [] },
);

export const logsRequest = fc.record({
  resourceLogs: fc.array(
    fc.record({
      resource,
      scopeLogs: fc.array(fc.record({ scope, logRecords: fc.array(logRecord, { maxLength: 4 }) }), {
        maxLength: 2,
      }),
    }),
    { maxLength: 2 },
  ),
});

export const tracesRequest = fc.record({
  resourceSpans: fc.array(
    fc.record({
      resource,
      scopeSpans: fc.array(fc.record({ scope, spans: fc.array(span, { maxLength: 4 }) }), { maxLength: 2 }),
    }),
    { maxLength: 2 },
  ),
});

export const metricsRequest = fc.record({
  resourceMetrics: fc.array(
    fc.record({
      resource,
      scopeMetrics: fc.array(
        fc.record({
          scope,
          metrics: fc.array(
            fc.record({ name: fc.string({ maxLength: 8 }), unit: fc.string({ maxLength: 3 }) }),
            { maxLength: 3 },
          ),
        }),
        { maxLength: 2 },
      ),
    }),
    { maxLength: 2 },
  ),
});

/** Flips, truncates or extends bytes: what a broken proxy or a hostile sender makes of a valid body. */
export function mutated(bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      bytes,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      fc.nat(),
      fc.uint8Array({ maxLength: 8 }),
    )
    .map(([body, flips, cut, tail]) => {
      const copy = Uint8Array.from(body);
      for (const [at, value] of flips) if (copy.length > 0) copy[at % copy.length] = value;
      return Buffer.concat([copy.subarray(0, copy.length === 0 ? 0 : cut % (copy.length + 1)), tail]);
    });
}

/** A Codex hook payload, mostly well-formed, with any field possibly replaced by something hostile. */
export function hookPayload(event: string): fc.Arbitrary<Record<string, unknown>> {
  const hostile = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constant(undefined),
    fc.string({ unit: 'binary' }),
  );
  const field = <T>(normal: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: normal }, hostile);
  return fc
    .record({
      session_id: field(fc.uuid()),
      turn_id: field(fc.string({ maxLength: 12 })),
      cwd: field(fc.constantFrom('/tmp', '/', '/nonexistent', 'relative/dir')),
      hook_event_name: fc.oneof({ weight: 6, arbitrary: fc.constant(event) }, hostile),
      model: field(fc.string({ maxLength: 8 })),
      permission_mode: field(fc.constantFrom('default', 'bypassPermissions')),
      tool_name: field(fc.constantFrom('Bash', 'mcp__x__y')),
      tool_input: field(
        fc.record({ command: field(fc.oneof(fc.constant('echo ok'), fc.string({ maxLength: 40 }))) }),
      ),
      tool_use_id: field(fc.string({ maxLength: 12 })),
    })
    .chain((payload) =>
      fc
        .dictionary(
          fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'prototype')),
          fc.jsonValue({ maxDepth: 2 }),
          {
            maxKeys: 2,
          },
        )
        .map((extra) => ({ ...extra, ...payload })),
    );
}
