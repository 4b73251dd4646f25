// GenAI semantic-convention spans and proofline's span events into observations (schemas/spans.md).
import { describe, expect, it } from 'vitest';

import type { OtlpKeyValue, OtlpSpan } from '../../ingest/otlp/model.js';
import { normalizeOtlpRequest } from '../../ingest/normalize/otlp-request.js';
import { sha256Hex } from '../../schemas/digest.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

function attrs(values: Record<string, string | boolean>): OtlpKeyValue[] {
  return Object.entries(values).map(([key, value]) => ({
    key,
    value: typeof value === 'boolean' ? { boolValue: value } : { stringValue: value },
  }));
}

function normalize(spans: OtlpSpan[], family = 'gateway') {
  return normalizeOtlpRequest(
    {
      signal: 'traces',
      resourceSpans: [
        {
          resource: { attributes: attrs({ 'service.name': 'gw', 'proofline.runtime.family': family }) },
          scopeSpans: [{ spans }],
        },
      ],
    },
    { storeContent: false, observedUnixNano: '1' },
  ).observations;
}

function toolSpan(extra: Record<string, string | boolean>, status?: number): OtlpSpan {
  return {
    traceId: TRACE,
    spanId: 'b7ad6b7169203331',
    name: 'execute_tool shell',
    startTimeUnixNano: '1000',
    endTimeUnixNano: '2000',
    attributes: attrs({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'shell',
      'gen_ai.tool.call.id': 'call-1',
      'gen_ai.conversation.id': 'conv-1',
      'gen_ai.tool.call.arguments': '{"command":"ls -la"}',
      ...extra,
    }),
    ...(status === undefined ? {} : { status: { code: status } }),
  };
}

describe('GenAI tool call spans', () => {
  it('a span that ran opens and closes its action, joined on the command digest', () => {
    const [started, result] = normalize([toolSpan({ 'gen_ai.tool.call.result': 'total 0' })]);
    expect(started).toMatchObject({
      kind: 'tool_started',
      source: 'genai',
      runtime_family: 'gateway',
      session_id: 'conv-1',
      action_id: 'call-1',
      time_unix_nano: '1000',
    });
    expect(started!.attrs['proofline.input.digest']).toBe(sha256Hex('ls -la'));
    expect(started!.attrs['proofline.execution']).toBe(true);
    expect(result).toMatchObject({
      kind: 'tool_result',
      name: 'span_end:execute_tool shell',
      time_unix_nano: '2000',
    });
    expect(result!.attrs['proofline.success']).toBe(true);
    expect(result!.attrs['proofline.output.digest']).toBe(sha256Hex('total 0'));
    // Content stays out without the operator's opt-in.
    expect(JSON.stringify([started, result])).not.toContain('ls -la');
  });

  it('an ERROR status is a failed call', () => {
    const result = normalize([toolSpan({}, 2)]).find((o) => o.kind === 'tool_result')!;
    expect(result.attrs['proofline.success']).toBe(false);
  });

  it('proofline.execution=false: proposed only, nothing claims it ran', () => {
    const observations = normalize([toolSpan({ 'proofline.execution': false })]);
    expect(observations.map((o) => o.kind)).toEqual(['tool_proposed']);
  });

  it('proofline span events become assumption and approval receipts of the span action', () => {
    const span = toolSpan({});
    span.events = [
      {
        name: 'proofline.assumption',
        timeUnixNano: '1500',
        attributes: attrs({ 'proofline.cwd': '/srv/app' }),
      },
      {
        name: 'proofline.approval',
        timeUnixNano: '1600',
        attributes: attrs({ 'proofline.approval.decision': 'expired', 'proofline.approval.id': 'abcd' }),
      },
      { name: 'unrelated', timeUnixNano: '1700' },
    ];
    const events = normalize([span], 'managed_platform').filter((o) => o.name.startsWith('span_event:'));
    expect(events.map((o) => [o.kind, o.action_id, o.runtime_family])).toEqual([
      ['assumption', 'call-1', 'managed_platform'],
      ['approval', 'call-1', 'managed_platform'],
    ]);
  });

  it('proofline.depends_on links become explicit dependencies', () => {
    const span = toolSpan({});
    span.attributes!.push({
      key: 'proofline.depends_on',
      value: { arrayValue: { values: [{ stringValue: `span:${TRACE}/00f067aa0ba902b7` }] } },
    });
    const [started] = normalize([span], 'framework_sdk');
    expect(started!.depends_on).toEqual([`span:${TRACE}/00f067aa0ba902b7`]);
  });

  it('invoke_agent is kept for the graph, chat is a model request', () => {
    const base = { traceId: TRACE, startTimeUnixNano: '10' };
    const observations = normalize([
      {
        ...base,
        spanId: '1111111111111111',
        name: 'invoke_agent',
        attributes: attrs({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.conversation.id': 'c' }),
      },
      {
        ...base,
        spanId: '2222222222222222',
        name: 'chat gpt',
        attributes: attrs({ 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': 'c' }),
      },
    ]);
    expect(observations.map((o) => o.kind)).toEqual(['other', 'model_request']);
  });
});
