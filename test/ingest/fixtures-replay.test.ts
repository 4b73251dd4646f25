// Every recorded Codex 0.169.0 request, replayed byte for byte over real HTTP to the receiver: what each
// scenario must yield as observations, and what the receiver reports about it.
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { afterEach, describe, expect, test } from 'vitest';

import { sha256Hex } from '../../schemas/digest.js';
import type { Observation } from '../../schemas/observation.js';
import { post, recordedRequests, scenarioNames, startReceiver, type RunningReceiver } from './helpers.js';

const CALL = 'call_fixture_0001';
const COMMAND_DIGEST = sha256Hex('echo hello > out.txt && cat out.txt');

let receiver: RunningReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function replay(scenario: string): Promise<{ observations: Observation[]; responses: Response[] }> {
  receiver = await startReceiver();
  const responses: Response[] = [];
  for (const request of await recordedRequests(scenario)) {
    responses.push(
      await post(receiver.url + request.path, request.body, { 'content-type': request.contentType }),
    );
  }
  return { observations: receiver.publisher.observations, responses };
}

const find = (observations: Observation[], predicate: (o: Observation) => boolean) =>
  observations.filter(predicate);
const executed = (o: Observation) => o.attrs['proofline.execution'] === true;

describe.each(scenarioNames())('scenario %s', (scenario) => {
  test('is accepted and every observation belongs to a Codex conversation', async () => {
    const { observations, responses } = await replay(scenario);
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    expect(observations.length).toBeGreaterThan(10);
    const conversations = new Set(
      find(observations, (o) => o.name === 'codex.conversation_starts').map((o) => o.session_id),
    );
    expect(conversations.size).toBeGreaterThan(0);
    for (const o of observations) {
      expect(conversations.has(o.session_id)).toBe(true);
      expect(o.runtime_family).toBe('tool_hook');
      expect(o.id).toMatch(/^[0-9a-f]{64}$/);
      // Log records carry `timeUnixNano: 0`; the event time comes from `event.timestamp`.
      expect(BigInt(o.time_unix_nano)).toBeGreaterThan(1_700_000_000_000_000_000n);
    }
  });
});

describe('Codex facts per scenario', () => {
  test.each(['binary_allow', 'json_allow'])(
    '%s: decided, started, executed and finished',
    async (scenario) => {
      const { observations } = await replay(scenario);
      const [approval] = find(observations, (o) => o.kind === 'approval' && o.action_id === CALL);
      expect(approval).toMatchObject({
        source: 'codex.log',
        attrs: {
          'proofline.approval.decision': 'approved',
          'proofline.approval.source': 'Config',
          'proofline.tool.name': 'exec_command',
        },
      });
      const [result] = find(observations, (o) => o.kind === 'tool_result' && o.source === 'codex.log');
      expect(result).toMatchObject({
        action_id: CALL,
        attrs: {
          'proofline.execution': true,
          'proofline.success': true,
          'proofline.input.digest': COMMAND_DIGEST,
        },
      });
      expect(
        find(
          observations,
          (o) => o.kind === 'tool_started' && o.name === 'span:unified_exec.exec_command' && executed(o),
        ),
      ).toHaveLength(1);
      const [dispatch] = find(observations, (o) => o.name === 'span:exec_command');
      expect(dispatch).toMatchObject({
        kind: 'tool_started',
        action_id: CALL,
        attrs: { 'proofline.execution': false },
      });
      expect(
        find(
          observations,
          (o) => o.kind === 'tool_proposed' && o.name === 'span_event:codex.tool_call_received',
        ),
      ).toHaveLength(1);
      // Hook spans carry no conversation id: attributed through their trace.
      const hookEvents = find(observations, (o) => o.name === 'span:codex.hooks.command').map(
        (o) => o.attrs['proofline.hook.event'],
      );
      expect(hookEvents).toEqual(expect.arrayContaining(['PreToolUse', 'PostToolUse', 'Stop']));
      // The PreToolUse hook span hangs under the exec_command span: the graph's parent-child edge to its call.
      const [preToolUse] = find(observations, (o) => o.attrs['proofline.hook.event'] === 'PreToolUse');
      const parents = new Map(
        find(observations, (o) => o.name.startsWith('span:')).map((o) => [o.span_id, o]),
      );
      let ancestor = parents.get(preToolUse!.parent_span_id);
      while (ancestor && ancestor.name !== 'span:exec_command')
        ancestor = parents.get(ancestor.parent_span_id);
      expect(ancestor?.action_id).toBe(CALL);
      expect(new Set(observations.map((o) => o.session_id)).size).toBe(1);
      const [conversation] = find(observations, (o) => o.name === 'codex.conversation_starts');
      expect(conversation!.attrs).toMatchObject({
        'proofline.approval_policy': 'never',
        'proofline.sandbox_policy': 'danger-full-access',
      });
    },
  );

  test('binary_deny: dispatched, never executed', async () => {
    const { observations } = await replay('binary_deny');
    expect(
      find(
        observations,
        (o) => o.name === 'span:exec_command' && o.kind === 'tool_started' && o.action_id === CALL,
      ),
    ).toHaveLength(1);
    expect(find(observations, executed)).toEqual([]);
    expect(
      find(
        observations,
        (o) => o.source === 'codex.log' && (o.kind === 'approval' || o.kind === 'tool_result'),
      ),
    ).toEqual([]);
  });

  test('hooks_untrusted_skipped: logs only, so a tool result and no spans', async () => {
    const { observations } = await replay('hooks_untrusted_skipped');
    expect(
      find(observations, (o) => o.kind === 'tool_result' && executed(o) && o.action_id === CALL),
    ).toHaveLength(1);
    expect(find(observations, (o) => o.source === 'codex.span')).toEqual([]);
  });

  test('hook_permission_request_deny: denied approval, a result Codex refused, and a second (guardian) session', async () => {
    const { observations } = await replay('hook_permission_request_deny');
    expect(find(observations, (o) => o.kind === 'approval')[0]?.attrs['proofline.approval.decision']).toBe(
      'denied',
    );
    // Not a failed command: Codex refused to start it, so it neither succeeded nor failed.
    const result = find(observations, (o) => o.kind === 'tool_result')[0]!;
    expect(result.attrs).toMatchObject({ 'proofline.runtime_refused': true });
    expect(result.attrs['proofline.success']).toBeUndefined();
    expect(result.attrs['proofline.execution']).toBeUndefined();
    expect(new Set(observations.map((o) => o.session_id)).size).toBe(2);
  });

  test('otel_endpoint_verbatim: logs posted to / are routed by content', async () => {
    const requests = await recordedRequests('otel_endpoint_verbatim');
    expect(requests.map((r) => r.path)).toEqual(['/']);
    const { observations } = await replay('otel_endpoint_verbatim');
    expect(find(observations, (o) => o.kind === 'approval' && o.action_id === CALL)).toHaveLength(1);
  });

  test('otel_privacy_defaults: the redacted prompt is still a digest, never text; no agent response', async () => {
    const { observations } = await replay('otel_privacy_defaults');
    const [prompt] = find(observations, (o) => o.kind === 'prompt');
    expect(prompt!.attrs['prompt.sha256']).toBe(sha256Hex('[REDACTED]'));
    expect(prompt!.attrs).not.toHaveProperty('prompt');
    expect(find(observations, (o) => o.kind === 'turn_end')).toEqual([]);
  });

  test('log times come from event.timestamp, to the millisecond', async () => {
    const { observations } = await replay('json_allow');
    const [conversation] = find(observations, (o) => o.name === 'codex.conversation_starts');
    expect(conversation!.time_unix_nano).toBe(
      (BigInt(Date.parse(String(conversation!.attrs['event.timestamp']))) * 1_000_000n).toString(),
    );
  });

  test('json_allow: a record without a session is rejected in partial_success and counted in /v1/status', async () => {
    const { observations, responses } = await replay('json_allow');
    const last = (await responses.at(-1)!.json()) as {
      partialSuccess: { rejectedLogRecords: string; errorMessage: string };
    };
    expect(last.partialSuccess.rejectedLogRecords).toBe('1');
    expect(last.partialSuccess.errorMessage).toMatch(/no session id/);
    const status = (await (await fetch(`${receiver!.url}/v1/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      requests: { '200': 4 },
      records: { received: { logs: 22, traces: 639, metrics: 192 }, rejected: 1 },
      observations_published: observations.length,
      unknown_events: { 'codex.turn_profile': 1 },
      rejected: { no_session: 1 },
    });
    expect((status.spans_not_kept as Record<string, number>)['fs.read_file']).toBeGreaterThan(0);
  });

  test('binary_allow: the protobuf partial_success is what an OTel exporter reads', async () => {
    const { responses } = await replay('binary_allow');
    const last = responses.at(-1)!;
    expect(last.headers.get('content-type')).toBe('application/x-protobuf');
    const decoded = ProtobufLogsSerializer.deserializeResponse(new Uint8Array(await last.arrayBuffer()));
    expect(Number(decoded.partialSuccess?.rejectedLogRecords)).toBe(1);
    expect(decoded.partialSuccess?.errorMessage).toMatch(/no session id/);
  });
});
