// guard() and waitForApproval() against scripted stand-in servers: the documented request, failing closed (or
// open, when asked) whenever the server cannot decide, and every way a wait for approval can end.
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { GuardDecision } from '../../schemas/guard.js';
import {
  configureProofline,
  createAction,
  guard,
  ProoflineError,
  ProoflineServerError,
  updateOutcome,
  waitForApproval,
  type Action,
  type GuardResult,
} from '../../sdk/index.js';
import { closedPort, fakeServer, type FakeRequest } from './support.js';

const APPROVAL_ID = '0123456789abcdef';

const decision = (route: GuardDecision['route'], extra: Partial<GuardDecision> = {}): GuardDecision => ({
  route,
  verdict: route === 'allow' || route === 'warn' ? 'allow' : 'deny',
  reason: `policy says ${route}`,
  matched_rules: route === 'allow' ? [] : ['rule-1'],
  policy_digest: 'a'.repeat(64),
  ...extra,
});
const GATED: GuardResult = { ...decision('approval_gate'), approval_id: APPROVAL_ID };

const exporter = new tracing.InMemorySpanExporter();
const processor = new tracing.SimpleSpanProcessor(exporter);
const sdk = new NodeSDK({ spanProcessors: [processor], metricReaders: [], logRecordProcessors: [] });

const servers: Array<{ close(): Promise<void> }> = [];

/** A stand-in server answering in order from `answers` (the last one repeats), configured as the SDK's. */
async function scripted(
  answers: Array<(request: FakeRequest) => { status: number; body: unknown }>,
  token?: string,
): Promise<FakeRequest[]> {
  let next = 0;
  const server = await fakeServer((request) => answers[Math.min(next++, answers.length - 1)]!(request));
  servers.push(server);
  configureProofline({ url: server.url, ...(token ? { token } : {}) });
  return server.requests;
}

const rmAction = (): Action =>
  createAction({ tool: 'shell', input: { command: 'rm -rf tmp' }, sessionId: 'session-g', turnId: 'turn-g' });

async function eventsOf(action: Action): Promise<tracing.ReadableSpan['events']> {
  await processor.forceFlush();
  const span = exporter
    .getFinishedSpans()
    .find((s) => s.spanContext().spanId === action.span.spanContext().spanId);
  if (!span) throw new Error(`span of ${action.id} not exported`);
  return span.events;
}

beforeAll(() => sdk.start());
afterAll(() => sdk.shutdown());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  exporter.reset();
});

describe('guard()', () => {
  it('posts the documented decide request with the bearer token and returns decision and approval id', async () => {
    const requests = await scripted(
      [() => ({ status: 200, body: { decision: GATED, approval_id: APPROVAL_ID } })],
      'tok',
    );
    const action = rmAction();
    const before = BigInt(Date.now()) * 1_000_000n;
    const answer = await guard(action, { cwd: '/work/app', model: 'gpt-test', mcpServer: 'fs' });
    expect(answer).toEqual(GATED);

    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request).toMatchObject({ method: 'POST', url: '/v1/decide' });
    expect(request!.headers.authorization).toBe('Bearer tok');
    expect(request!.body).toEqual({
      session_id: 'session-g',
      action_id: action.id,
      turn_id: 'turn-g',
      tool_name: 'shell',
      tool_input: { command: 'rm -rf tmp' },
      cwd: '/work/app',
      model: 'gpt-test',
      mcp_server: 'fs',
      runtime_family: 'framework_sdk',
      time_unix_nano: expect.stringMatching(/^\d{19}$/),
    });
    const time = BigInt((request!.body as { time_unix_nano: string }).time_unix_nano);
    expect(time >= before - 1_000_000n && time <= BigInt(Date.now()) * 1_000_000n + 1_000_000n).toBe(true);
    updateOutcome(action, { executed: false });
  });

  it('fails closed when the server is unreachable', async () => {
    configureProofline({ url: `http://127.0.0.1:${await closedPort()}` });
    const answer = await guard(rmAction(), { timeoutMs: 2_000 });
    expect(answer).toEqual({
      route: 'block',
      verdict: 'deny',
      reason: expect.stringMatching(/unreachable \(ECONNREFUSED\); failing closed$/),
      matched_rules: [],
      policy_digest: '',
    });
  });

  it('fails closed on 503 (decision not recorded), on other statuses, and on an answer without a decision', async () => {
    await scripted([
      () => ({ status: 503, body: { error: 'TRANSPORT_UNAVAILABLE', reason: 'log full' } }),
      () => ({ status: 401, body: { error: 'UNAUTHORIZED' } }),
      () => ({ status: 200, body: { decision: { route: 'maybe' } } }),
      () => ({ status: 200, body: 'not json' }),
    ]);
    const reasons: string[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await guard(rmAction());
      expect(answer).toMatchObject({ route: 'block', verdict: 'deny', matched_rules: [], policy_digest: '' });
      reasons.push(answer.reason);
    }
    expect(reasons[0]).toContain('answered 503: log full');
    expect(reasons[1]).toContain('answered 401');
    expect(reasons[2]).toContain('without a decision');
    expect(reasons[3]).toContain('non-JSON');
  });

  it('fails open only when asked to', async () => {
    configureProofline({ url: `http://127.0.0.1:${await closedPort()}` });
    const answer = await guard(rmAction(), { failOpen: true, timeoutMs: 2_000 });
    expect(answer).toMatchObject({ route: 'allow', verdict: 'allow', policy_digest: '' });
    expect(answer.reason).toMatch(/failing open/);
  });
});

describe('waitForApproval()', () => {
  it('resolves at once, without asking, for a decision that is not an approval gate', async () => {
    const requests = await scripted([() => ({ status: 500, body: {} })]);
    const allow = decision('allow');
    expect(await waitForApproval(rmAction(), allow, { timeoutMs: 1_000 })).toEqual({
      status: 'approved',
      decision: allow,
    });
    expect(await waitForApproval(rmAction(), decision('block'), { timeoutMs: 1_000 })).toEqual({
      status: 'denied',
      reason: 'policy says block',
    });
    expect(requests).toEqual([]);
  });

  it('on a grant asks the guard again with the same options and resolves with its allow', async () => {
    const allowed = decision('allow', { deciding_rule: `approval:${APPROVAL_ID}` });
    const requests = await scripted([
      () => ({ status: 200, body: { decision: GATED, approval_id: APPROVAL_ID } }),
      () => ({ status: 200, body: { id: APPROVAL_ID, status: 'pending' } }),
      () => ({ status: 200, body: { id: APPROVAL_ID, status: 'pending' } }),
      () => ({ status: 200, body: { id: APPROVAL_ID, status: 'approved' } }),
      () => ({ status: 200, body: { decision: allowed } }),
    ]);
    const action = rmAction();
    const gated = await guard(action, { cwd: '/work/app', model: 'm' });
    const outcome = await waitForApproval(action, gated, { timeoutMs: 5_000, pollMs: 10 });
    expect(outcome).toEqual({ status: 'approved', decision: allowed });

    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/decide',
      `GET /v1/approvals/${APPROVAL_ID}`,
      `GET /v1/approvals/${APPROVAL_ID}`,
      `GET /v1/approvals/${APPROVAL_ID}`,
      'POST /v1/decide',
    ]);
    // The same question (a grant is bound to session, tool, input and cwd), asked at a later time.
    expect(requests[4]!.body).toEqual({
      ...(requests[0]!.body as object),
      time_unix_nano: expect.any(String),
    });
    expect(requests[4]!.body).not.toEqual(requests[0]!.body);
    updateOutcome(action, { executed: true, success: true });
    expect(await eventsOf(action)).toEqual([]);
  });

  it('resolves denied when the approver refuses, or when the retry is still not allowed', async () => {
    await scripted([() => ({ status: 200, body: { id: APPROVAL_ID, status: 'denied' } })]);
    expect(await waitForApproval(rmAction(), GATED, { timeoutMs: 1_000, pollMs: 10 })).toEqual({
      status: 'denied',
      reason: `approval ${APPROVAL_ID} was denied`,
    });

    await scripted([
      () => ({ status: 200, body: { id: APPROVAL_ID, status: 'approved' } }),
      () => ({ status: 200, body: { decision: GATED, approval_id: APPROVAL_ID } }),
    ]);
    expect(await waitForApproval(rmAction(), GATED, { timeoutMs: 1_000, pollMs: 10 })).toEqual({
      status: 'denied',
      reason: GATED.reason,
    });
  });

  it('times out to expired, through server hiccups, and records the expired wait on the span', async () => {
    const requests = await scripted([
      () => ({ status: 200, body: { id: APPROVAL_ID, status: 'pending' } }),
      () => ({ status: 503, body: { reason: 'busy' } }),
      () => ({ status: 200, body: { id: APPROVAL_ID, status: 'pending' } }),
    ]);
    const action = rmAction();
    const started = Date.now();
    expect(await waitForApproval(action, GATED, { timeoutMs: 300, pollMs: 20 })).toEqual({
      status: 'expired',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(requests.length).toBeGreaterThan(3);
    updateOutcome(action, { executed: false });
    const events = await eventsOf(action);
    expect(events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'proofline.approval',
        {
          'proofline.approval.decision': 'expired',
          'proofline.approval.id': APPROVAL_ID,
          'proofline.approval.source': 'proofline/sdk',
        },
      ],
    ]);
  });

  it('treats an approval the server no longer knows as expired, without waiting out the timeout', async () => {
    await scripted([() => ({ status: 200, body: { id: APPROVAL_ID, status: 'unknown' } })]);
    const action = rmAction();
    const started = Date.now();
    expect(await waitForApproval(action, GATED, { timeoutMs: 10_000 })).toEqual({ status: 'expired' });
    expect(Date.now() - started).toBeLessThan(5_000);
    updateOutcome(action, { executed: false });
    expect((await eventsOf(action)).map((e) => e.name)).toEqual(['proofline.approval']);
  });

  it('rejects on a refusal waiting cannot change, and on a gate without an approval id', async () => {
    await scripted([() => ({ status: 401, body: { error: 'UNAUTHORIZED', reason: 'wrong bearer token' } })]);
    const refused = await waitForApproval(rmAction(), GATED, { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProoflineServerError);
    expect(refused).toMatchObject({ code: 'SERVER_REFUSED', status: 401 });

    const withoutId: GuardResult = { ...GATED };
    delete withoutId.approval_id;
    const missing = await waitForApproval(rmAction(), withoutId, { timeoutMs: 1_000 }).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(ProoflineError);
    expect(missing).toMatchObject({ code: 'APPROVAL_ID_MISSING' });
  });
});
