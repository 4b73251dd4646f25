// The real OpenTelemetry JS exporters deliver to the receiver (protobuf logs, JSON traces, with a bearer
// token), and the receiver's .proto reads exactly what @opentelemetry/otlp-transformer writes.
import { context, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, expect, test } from 'vitest';

import { decodeOtlp } from '../../ingest/otlp/decode.js';
import { sha256Hex } from '../../schemas/digest.js';
import { startReceiver, type RunningReceiver } from './helpers.js';

const TOKEN = 'exporter-test-token';
let receiver: RunningReceiver;
beforeEach(async () => {
  receiver = await startReceiver({ token: TOKEN });
});
afterEach(async () => receiver.close());

const auth = { authorization: `Bearer ${TOKEN}` };

function emitCodexLogs(provider: LoggerProvider): void {
  const logger = provider.getLogger('codex_otel.log_only');
  logger.emit({
    severityNumber: SeverityNumber.INFO,
    attributes: {
      'event.name': 'codex.tool_decision',
      'event.timestamp': '2026-11-21T04:35:21.593Z',
      'conversation.id': 'conv-exporter',
      call_id: 'call_exporter_1',
      tool_name: 'exec_command',
      decision: 'approved',
      source: 'Config',
    },
  });
  // No conversation: rejected in partial_success, which the exporter tolerates.
  logger.emit({ severityNumber: SeverityNumber.DEBUG, body: 'flushing OTEL metrics' });
}

function recordSdkSpans(provider: BasicTracerProvider): void {
  const tracer = provider.getTracer('agent-sdk');
  const root = tracer.startSpan('invoke_agent', {
    attributes: { 'gen_ai.conversation.id': 'conv-sdk', 'gen_ai.operation.name': 'invoke_agent' },
  });
  const inRoot = trace.setSpan(context.active(), root);
  tracer
    .startSpan(
      'execute_tool',
      { attributes: { 'gen_ai.tool.call.id': 'tool-1', 'gen_ai.tool.call.arguments': '{"cmd":"ls"}' } },
      inRoot,
    )
    .end();
  const payload = {
    hook_event_name: 'PreToolUse',
    session_id: 'conv-sdk',
    tool_name: 'Bash',
    tool_input: { command: 'ls' },
    tool_use_id: 'tool-1',
  };
  tracer
    .startSpan(
      'proofline.hook',
      {
        attributes: {
          'proofline.hook.event': 'PreToolUse',
          'proofline.hook.payload': JSON.stringify(payload),
        },
      },
      inRoot,
    )
    .end();
  root.end();
  tracer.startSpan('unrelated_health_check').end();
}

test('OTLPLogExporter (protobuf) delivers Codex-shaped logs', async () => {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'codex_exec' }),
    processors: [
      new SimpleLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `${receiver.url}/v1/logs`, headers: auth }),
      }),
    ],
  });
  emitCodexLogs(provider);
  await provider.forceFlush();
  await provider.shutdown();
  const [approval] = receiver.publisher.observations;
  expect(receiver.publisher.observations).toHaveLength(1);
  expect(approval).toMatchObject({
    source: 'codex.log',
    runtime_family: 'tool_hook',
    session_id: 'conv-exporter',
    action_id: 'call_exporter_1',
    kind: 'approval',
    time_unix_nano: '1795235721593000000',
    attrs: { 'proofline.approval.decision': 'approved' },
  });
  const status = (await (await fetch(`${receiver.url}/v1/status`, { headers: auth })).json()) as {
    rejected: Record<string, number>;
  };
  expect(status.rejected).toEqual({ no_session: 1 });
});

test('OTLPTraceExporter (JSON) delivers SDK spans: attributed by trace, hook spans routed, the rest counted', async () => {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'my-agent' }),
    // Batched, as in production: session attribution through the trace works within one request.
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces`, headers: auth })),
    ],
  });
  recordSdkSpans(provider);
  await provider.forceFlush();
  await provider.shutdown();
  const observations = receiver.publisher.observations;
  const byName = (name: string) => observations.filter((o) => o.name === name);
  expect(byName('span:invoke_agent')[0]).toMatchObject({
    source: 'genai',
    kind: 'other',
    runtime_family: 'framework_sdk',
    session_id: 'conv-sdk',
  });
  // The child names no session of its own: it inherits its trace's.
  const [tool] = byName('span:execute_tool');
  expect(tool).toMatchObject({
    session_id: 'conv-sdk',
    action_id: 'tool-1',
    attrs: { 'gen_ai.tool.call.arguments.sha256': sha256Hex('{"cmd":"ls"}') },
  });
  expect(tool!.attrs).not.toHaveProperty('gen_ai.tool.call.arguments');
  expect(byName('hook:PreToolUse').map((o) => o.kind)).toContain('tool_proposed');
  expect(byName('span:unrelated_health_check')).toEqual([]);
  const status = (await (await fetch(`${receiver.url}/v1/status`, { headers: auth })).json()) as {
    spans_not_kept: Record<string, number>;
  };
  expect(status.spans_not_kept).toEqual({ unrelated_health_check: 1 });
});

test('otlp-transformer protobuf and JSON serializations of the same data decode identically', async () => {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'my-agent' }),
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  recordSdkSpans(tracerProvider);
  const logs = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'codex_exec' }),
    processors: [new SimpleLogRecordProcessor({ exporter: logs })],
  });
  emitCodexLogs(loggerProvider);

  const finishedSpans = spans.getFinishedSpans();
  const traceRequest = decodeOtlp(
    ProtobufTraceSerializer.serializeRequest(finishedSpans)!,
    'protobuf',
    'traces',
  );
  expect(decodeOtlp(JsonTraceSerializer.serializeRequest(finishedSpans)!, 'json', 'traces')).toEqual(
    traceRequest,
  );
  const decodedSpans =
    traceRequest.signal === 'traces'
      ? traceRequest.resourceSpans.flatMap((r) => r.scopeSpans!.flatMap((s) => s.spans!))
      : [];
  expect(decodedSpans.map((s) => s.name).sort()).toEqual(finishedSpans.map((s) => s.name).sort());
  expect(decodedSpans.map((s) => s.spanId).sort()).toEqual(
    finishedSpans.map((s) => s.spanContext().spanId).sort(),
  );

  const records = logs.getFinishedLogRecords();
  const logsRequest = decodeOtlp(ProtobufLogsSerializer.serializeRequest(records)!, 'protobuf', 'logs');
  expect(decodeOtlp(JsonLogsSerializer.serializeRequest(records)!, 'json', 'logs')).toEqual(logsRequest);
  expect(
    logsRequest.signal === 'logs' && logsRequest.resourceLogs[0]!.scopeLogs![0]!.logRecords,
  ).toHaveLength(2);
});
