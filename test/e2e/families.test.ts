// The four runtime families through one embedded pipeline: a real Codex capture (tool_hook), and GenAI
// semantic-convention spans sent by the real OpenTelemetry exporter for an SDK-instrumented framework, a gateway
// and a managed platform, guarded through POST /v1/decide (post hoc for the managed platform). ρ counts only
// what each family can produce, and `proofline verify` reports completeness per family.
import { context, trace, type Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Pipeline } from '../../service/embedded.js';
import { loadGuard } from '../../policy/load.js';
import type { ActionProof } from '../../schemas/bundle.js';
import type { RuntimeFamily } from '../../schemas/observation.js';
import { runVerify, type VerifyReport } from '../../verifier/verify-command.js';
import { actionProofs, captureOutput, readBundles, replay, startTestPipeline } from './support.js';

const POLICY = new URL('../../deploy/policy/example-policy.yaml', import.meta.url).pathname;
const CWD = '/srv/acme/app';
const T0 = 1_767_603_600_000; // 2026-01-05T09:00:00Z, ms

interface ToolCall {
  family: RuntimeFamily;
  session: string;
  action: string;
  command: string;
  minute: number;
  /** What the runtime did with the call: ran it, or (told no) did not. */
  executed: boolean;
  events?: { name: string; attributes: Attributes }[];
}

async function decide(pipeline: Pipeline, call: ToolCall, mode: 'enforce' | 'post_hoc') {
  const response = await fetch(`${pipeline.url}/v1/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      session_id: call.session,
      action_id: call.action,
      tool_name: 'shell',
      tool_input: { command: call.command },
      cwd: CWD,
      runtime_family: call.family,
      time_unix_nano: String(BigInt(T0 + call.minute * 60_000) * 1_000_000n),
      mode,
    }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { decision: { route: string; verdict: string } };
}

/** The runtime's own telemetry for one call: an `execute_tool` span, through the real OTLP/HTTP exporter. */
async function exportToolSpan(pipeline: Pipeline, call: ToolCall): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': `${call.family}-runtime`,
      'proofline.runtime.family': call.family,
    }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${pipeline.url}/v1/traces` }))],
  });
  const tracer = provider.getTracer('families-test');
  const start = T0 + call.minute * 60_000;
  const agent = tracer.startSpan('invoke_agent', {
    startTime: start,
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.conversation.id': call.session },
  });
  const span = tracer.startSpan(
    'execute_tool shell',
    {
      startTime: start + 100,
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'shell',
        'gen_ai.tool.call.id': call.action,
        'gen_ai.conversation.id': call.session,
        'gen_ai.tool.call.arguments': JSON.stringify({ command: call.command }),
        ...(call.executed ? { 'gen_ai.tool.call.result': 'ok' } : { 'proofline.execution': false }),
      },
    },
    trace.setSpan(context.active(), agent),
  );
  for (const event of call.events ?? []) span.addEvent(event.name, event.attributes, start + 200);
  span.end(start + 900);
  agent.end(start + 1000);
  await provider.shutdown();
}

describe('four runtime families in one pipeline', () => {
  let pipeline: Pipeline;
  let proofs: ActionProof[];
  let report: VerifyReport;
  let exitCode: number;
  const decisions = new Map<string, string>();

  const calls: ToolCall[] = [
    {
      family: 'framework_sdk',
      session: 'sdk-session',
      action: 'sdk-ls',
      command: 'ls',
      minute: 1,
      executed: true,
      events: [
        { name: 'proofline.assumption', attributes: { 'proofline.cwd': CWD, 'proofline.git.head': 'abc' } },
      ],
    },
    {
      family: 'gateway',
      session: 'gw-session',
      action: 'gw-ls',
      command: 'ls -la',
      minute: 1,
      executed: true,
    },
    {
      family: 'gateway',
      session: 'gw-session',
      action: 'gw-push',
      command: 'git push https://github.com/someone-else/fork.git main',
      minute: 2,
      executed: false,
    },
    {
      family: 'managed_platform',
      session: 'mp-session',
      action: 'mp-ls',
      command: 'ls',
      minute: 1,
      executed: true,
    },
    {
      family: 'managed_platform',
      session: 'mp-session',
      action: 'mp-rm',
      command: `rm -rf ${CWD}/src`,
      minute: 2,
      executed: true,
    },
  ];

  beforeAll(async () => {
    pipeline = await startTestPipeline();
    await replay(pipeline, 'binary_allow');
    pipeline.setGuard(loadGuard(POLICY));
    for (const call of calls) {
      if (call.family === 'managed_platform') {
        // No guard on the platform: it runs the call, proofline judges it afterwards.
        await exportToolSpan(pipeline, call);
        decisions.set(call.action, (await decide(pipeline, call, 'post_hoc')).decision.route);
      } else {
        const { decision } = await decide(pipeline, call, 'enforce');
        decisions.set(call.action, decision.route);
        await exportToolSpan(pipeline, { ...call, executed: decision.verdict === 'allow' });
      }
    }
    await pipeline.flush();
    proofs = actionProofs(await readBundles(pipeline.dataDir));
    const output = captureOutput();
    exitCode = await runVerify({ paths: [pipeline.dataDir], format: 'json', minCompleteness: 0 }, output.out);
    report = JSON.parse(output.stdout()) as VerifyReport;
  });
  afterAll(async () => pipeline?.close());

  const proofOf = (action: string) => proofs.find((p) => p.summary.action_id === action)!.summary;

  it('the guard decided the gateway and SDK calls before they ran, the managed ones after', () => {
    expect(Object.fromEntries(decisions)).toEqual({
      'sdk-ls': 'allow',
      'gw-ls': 'allow',
      'gw-push': 'block',
      'mp-ls': 'allow',
      'mp-rm': 'approval_gate',
    });
    expect(proofOf('mp-rm').enforceability).toBe('post_hoc_observed');
    expect(proofOf('gw-push').enforceability).toBe('runtime_enforced');
  });

  it('an SDK action owes four receipts when not gated, and has them', () => {
    expect(proofOf('sdk-ls').completeness).toEqual({
      expected: ['admissibility', 'open', 'assumption', 'closure'],
      observed: ['admissibility', 'open', 'assumption', 'closure'],
      missing: [],
      rho: 1,
    });
  });

  it('a gateway is not charged for assumptions it cannot see; its refused call is closed by non-execution', () => {
    expect(proofOf('gw-ls').completeness.expected).toEqual(['admissibility', 'open', 'closure']);
    expect(proofOf('gw-ls').completeness.rho).toBe(1);
    const push = proofs.find((p) => p.summary.action_id === 'gw-push')!;
    expect(push.summary.outcome).toBe('blocked');
    expect(push.summary.completeness.expected).toEqual(['admissibility', 'closure']);
    expect(push.summary.completeness.rho).toBe(1);
    const closure = push.evidence.receipts.find((r) => r.checkpoint === 'closure')!;
    expect(closure.facts.kind).toBe('non_execution');
  });

  it('a managed platform owes no guard receipt, but is charged for the approval it could have asked for', () => {
    expect(proofOf('mp-ls').completeness).toMatchObject({ expected: ['open', 'closure'], rho: 1 });
    expect(proofOf('mp-rm').completeness).toMatchObject({
      expected: ['open', 'approval', 'closure'],
      missing: ['approval'],
    });
    expect(proofOf('mp-rm').completeness.rho).toBeCloseTo(2 / 3, 5);
    expect(proofOf('mp-rm').outcome).toBe('succeeded');
  });

  it('proofline verify recomputes completeness per family and passes every check', () => {
    expect(exitCode).toBe(0);
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    const byFamily = Object.fromEntries(
      report.completeness.by_family.map((f) => [f.runtime_family, [f.actions, f.mean_rho]]),
    );
    expect(byFamily).toEqual({
      tool_hook: [1, 1],
      framework_sdk: [1, 1],
      gateway: [2, 1],
      // The mean of the per-action ρ as stored (each rounded to 6 decimals).
      managed_platform: [2, Math.round(((1 + 0.666667) / 2) * 1e6) / 1e6],
    });
  });
});
