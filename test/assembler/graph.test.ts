import { describe, expect, it } from 'vitest';

import { SessionGraph } from '../../assembler/graph.js';
import { isSecretPath } from '../../assembler/labels.js';
import { resolveActions } from '../../assembler/session.js';
import type { Observation } from '../../schemas/observation.js';
import { allowScenario, CALL_ID, observation, preToolUse, SESSIONS, TURNS } from './scenarios.js';

function graphOf(observations: Observation[]): SessionGraph {
  return new SessionGraph(observations, resolveActions(observations));
}

const names = (nodes: { name: string }[]) => nodes.map((n) => n.name);
const session = SESSIONS.allow;
const turn = TURNS.allow;

describe('session dependency graph', () => {
  it('orders hook records (time 0) by the Codex lifecycle around the runtime records', () => {
    const graph = graphOf(allowScenario());
    const order = graph.timeline.ordered.map((o) => `${o.kind}:${o.name}`);
    expect(order[0]).toBe('session_start:hook:SessionStart');
    expect(order.at(-1)).toBe('session_end:hook:SessionEnd');
    const at = (entry: string) => order.indexOf(entry);
    expect(at('tool_proposed:hook:PreToolUse')).toBeLessThan(at('guard_decision:hook:PreToolUse'));
    expect(at('guard_decision:hook:PreToolUse')).toBeLessThan(at('assumption:hook:PreToolUse'));
    expect(at('assumption:hook:PreToolUse')).toBeLessThan(at('approval:codex.tool_decision'));
    expect(at('tool_result:codex.tool_result')).toBeLessThan(at('turn_end:codex.agent_response'));
    expect(at('turn_end:hook:Stop')).toBeGreaterThan(at('tool_result:hook:PostToolUse'));
  });

  it("an action's backward slice holds what led to it and nothing after it", () => {
    const observations = allowScenario();
    const graph = graphOf(observations);
    const members = observations.filter((o) => o.action_id === CALL_ID).map((o) => o.id);
    const slice = graph.backwardSlice(members);
    const sliceNames = names(slice.nodes);
    expect(sliceNames).toContain('codex.user_prompt');
    expect(sliceNames).toContain('hook:SessionStart');
    expect(sliceNames.filter((n) => n === 'codex.api_request')).toHaveLength(1);
    expect(sliceNames).not.toContain('codex.agent_response');
    expect(sliceNames).not.toContain('hook:SessionEnd');
    // Every edge of the slice stays inside it, and the call's records are chained as one action.
    const ids = new Set(slice.nodes.map((n) => n.id));
    expect(slice.edges.every((e) => ids.has(e.from) && ids.has(e.to))).toBe(true);
    expect(slice.edges.filter((e) => e.type === 'same_action')).toHaveLength(members.length - 1);
    const firstRequest = observations.find((o) => o.name === 'codex.api_request')!;
    expect(slice.edges).toContainEqual({
      from: firstRequest.id,
      to: graph.timeline.ordered.find((o) => o.action_id)!.id,
      type: 'causal',
    });
  });

  it('the next model request depends on the tool result', () => {
    const observations = allowScenario();
    const graph = graphOf(observations);
    const secondRequest = observations.filter((o) => o.name === 'codex.api_request')[1]!;
    const slice = graph.backwardSlice([secondRequest.id]);
    expect(names(slice.nodes)).toContain('codex.tool_result');
  });

  it('labels flow from a secret read into every later dependent, and from an MCP result as untrusted input', () => {
    const read = preToolUse({ session, turn }, 'allow', {
      callId: 'call_read',
      files: '[{"path":"/repo/.env","sha256":null}]',
    });
    const mcp = observation({
      source: 'codex.log',
      kind: 'tool_result',
      name: 'codex.tool_result',
      session_id: session,
      action_id: 'call_mcp',
      time: '2026-11-21T04:35:22.000Z',
      attrs: { 'proofline.execution': true, 'proofline.success': true, mcp_server: 'docs' },
    });
    const request = (time: string) =>
      observation({
        source: 'codex.log',
        kind: 'model_request',
        name: 'codex.api_request',
        session_id: session,
        time,
      });
    const write = preToolUse({ session, turn }, 'allow', { callId: 'call_write' });
    const observations = [
      request('2026-11-21T04:35:21.000Z'),
      ...read,
      observation({
        source: 'codex.log',
        kind: 'tool_result',
        name: 'codex.tool_result',
        session_id: session,
        action_id: 'call_read',
        time: '2026-11-21T04:35:21.500Z',
        attrs: { 'proofline.execution': true },
      }),
      request('2026-11-21T04:35:21.800Z'),
      mcp,
      request('2026-11-21T04:35:22.500Z'),
      ...write,
      observation({
        source: 'codex.log',
        kind: 'approval',
        name: 'codex.tool_decision',
        session_id: session,
        action_id: 'call_write',
        time: '2026-11-21T04:35:23.000Z',
        attrs: { 'proofline.approval.decision': 'approved' },
      }),
    ];
    const graph = graphOf(observations);
    const assumption = read.find((o) => o.kind === 'assumption')!;
    expect(graph.labelsOf(assumption.id)).toEqual(['sensitive']);
    expect(graph.labelsOf(mcp.id)).toEqual(['sensitive', 'untrusted_input']);
    const writeNodes = graph.backwardSlice(
      observations.filter((o) => o.action_id === 'call_write').map((o) => o.id),
    ).nodes;
    const writeOwn = writeNodes.filter((n) => n.name === 'codex.tool_decision');
    expect(writeOwn[0]!.labels).toEqual(['sensitive', 'untrusted_input']);
    // Nothing before the secret read carries its label.
    expect(graph.labelsOf(observations[0]!.id)).toEqual([]);
  });

  it('links spans to their parents, span events and logs to their span, and explicit depends_on refs', () => {
    const span = (
      name: string,
      spanId: string,
      parent?: string,
      extra: Partial<Parameters<typeof observation>[0]> = {},
    ) =>
      observation({
        source: 'codex.span',
        kind: 'other',
        name,
        session_id: session,
        time: '2026-11-21T04:35:21.500Z',
        trace_id: 'aa'.repeat(16),
        span_id: spanId,
        parent_span_id: parent,
        ...extra,
      });
    const parent = span('span:handle_output_item_done', '01'.repeat(8), undefined, {
      time: '2026-11-21T04:35:21.400Z',
    });
    const child = span('span:exec_command', '02'.repeat(8), '01'.repeat(8), {
      kind: 'tool_started',
      action_id: CALL_ID,
    });
    const event = span('span_event:codex.tool_result_ready', '02'.repeat(8), undefined, {
      kind: 'tool_result',
      action_id: CALL_ID,
    });
    const sdk = observation({
      source: 'sdk',
      kind: 'other',
      name: 'sdk:note',
      session_id: session,
      time: '2026-11-21T04:35:21.600Z',
      depends_on: [`span:${'aa'.repeat(16)}/${'02'.repeat(8)}`, 'f'.repeat(64)],
    });
    const graph = graphOf([parent, child, event, sdk]);
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { from: parent.id, to: child.id, type: 'parent_child' },
        { from: child.id, to: event.id, type: 'parent_child' },
        { from: child.id, to: sdk.id, type: 'depends_on' },
      ]),
    );
    // The dangling ref names no stored observation and adds no edge.
    expect(graph.edges.filter((e) => e.to === sdk.id)).toHaveLength(1);
    expect(names(graph.backwardSlice([event.id]).nodes)).toEqual([
      'span:handle_output_item_done',
      'span:exec_command',
      'span_event:codex.tool_result_ready',
    ]);
  });

  it('recognizes secret-looking paths only', () => {
    expect(
      [
        '/repo/.env',
        '.env.local',
        '/home/u/.ssh/id_ed25519',
        'certs/server.pem',
        '/home/u/.aws/credentials',
      ].every(isSecretPath),
    ).toBe(true);
    expect(['out.txt', 'src/environment.ts', 'keys.md', 'README'].some(isSecretPath)).toBe(false);
  });
});
