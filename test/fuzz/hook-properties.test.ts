// Property-based fuzzing of the hook parser and POST /v1/hook/<Event>: generated stdin (noise, arbitrary
// JSON, Codex payloads with hostile fields) for every event, under a policy that allows only `echo ok`.
// Never a crash or a 5xx; every answer a hook answer (200, exit header 0 or 2, one line); a guarded event is
// allowed only when the payload is a well-formed call of that event whose command is exactly `echo ok`.
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readHookStdin } from '../../ingest/hook/payload.js';
import { guardRoutes } from '../../ingest/http/guard-route.js';
import { parseRuleFile, RuleFileGuard } from '../../policy/rule-file.js';
import { GUARDED_EVENTS, HOOK_EVENTS, type HookEvent } from '../../schemas/hook.js';
import { FakePublisher } from '../ingest/helpers.js';
import { hookPayload, SEED } from './arbitraries.js';

const RUNS = 2_500;
const POLICY = new RuleFileGuard(
  parseRuleFile(
    'version: 1\ndefault: deny\nrules:\n  - id: echo-ok\n    command: "echo ok"\n    decision: allow\n',
    'fuzz.yaml',
  ),
);

const stdin = (event: HookEvent) =>
  fc.oneof(
    { weight: 6, arbitrary: hookPayload(event).map((p) => Buffer.from(JSON.stringify(p))) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? '')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          hookPayload(event),
          fc.constantFrom('\uFEFF', ' ', '\n'),
          fc.constantFrom('', 'x', '}', '\u0000'),
        )
        .map(([p, before, after]) => Buffer.from(`${before}${JSON.stringify(p)}${after}`)),
    },
  );
const eventAndStdin = fc
  .constantFrom(...HOOK_EVENTS)
  .chain((event) => fc.tuple(fc.constant(event), stdin(event)));

/** Whether Codex could act on this payload as a well-formed `echo ok` call of `event`. */
function isAllowedCall(event: string, body: Buffer): boolean {
  try {
    const text = body.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) return false;
    const value = JSON.parse(text) as Record<string, unknown>;
    const toolInput = value.tool_input as Record<string, unknown> | undefined;
    return (
      value.hook_event_name === event &&
      typeof value.session_id === 'string' &&
      value.session_id !== '' &&
      toolInput?.command === 'echo ok'
    );
  } catch {
    return false;
  }
}

interface HookOutput {
  hookSpecificOutput?: { permissionDecision?: string; decision?: { behavior?: string } };
}

let app: FastifyInstance;
const publisher = new FakePublisher();

beforeAll(async () => {
  console.info(`fast-check seed ${SEED} (replay with FC_SEED=${SEED})`);
  app = Fastify();
  await app.register(guardRoutes, { guard: () => POLICY, publisher, storeContent: false });
  await app.ready();
});
afterAll(async () => app?.close());

describe('the hook parser', () => {
  it(`${RUNS} generated stdins: a payload of the route's event with a session, or a problem; never a throw`, () => {
    fc.assert(
      fc.property(eventAndStdin, ([event, body]) => {
        const reading = readHookStdin(body, event);
        if ('payload' in reading) {
          expect(reading.payload.hook_event_name).toBe(event);
          expect(typeof reading.payload.session_id).toBe('string');
        } else expect(reading.problem).toMatch(/^hook stdin\b/);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('POST /v1/hook/<Event>', () => {
  it(`${RUNS} generated calls: always a hook answer, no 5xx, no guarded call allowed by accident`, async () => {
    let allowed = 0;
    let denied = 0;
    await fc.assert(
      fc.asyncProperty(eventAndStdin, async ([event, body]) => {
        const reply = await app.inject({
          method: 'POST',
          url: `/v1/hook/${event}`,
          headers: { 'content-type': 'application/json' },
          payload: body,
        });
        expect(reply.statusCode, reply.body).toBe(200);
        const exit = reply.headers['x-proofline-hook-exit'];
        expect(['0', '2']).toContain(exit);
        expect(reply.body).not.toContain('\n');
        if (!GUARDED_EVENTS.has(event)) {
          // Other events are never answered with a decision, and block only on an event mismatch.
          if (exit === '0') expect(reply.body).toBe('');
          return;
        }
        const out: HookOutput =
          exit === '0' && reply.body !== '' ? (JSON.parse(reply.body) as HookOutput) : {};
        const isDenied =
          exit === '2' ||
          out.hookSpecificOutput?.permissionDecision === 'deny' ||
          out.hookSpecificOutput?.decision?.behavior === 'deny';
        if (isDenied) denied++;
        else {
          allowed++;
          expect(isAllowedCall(event, body), `allowed: ${body.toString('utf8').slice(0, 300)}`).toBe(true);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Both sides reached: well-formed `echo ok` calls allowed, the rest denied.
    expect(allowed).toBeGreaterThan(0);
    expect(denied).toBeGreaterThan(allowed);
    expect(Object.prototype).not.toHaveProperty('command');
  }, 120_000);
});
