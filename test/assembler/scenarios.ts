// Observations for the captured Codex 0.169.0 scenarios, built by hand from the fixture facts
// (test/fixtures/codex-0.169.0: ids, event times and attributes of json_allow, json_deny and
// hooks_untrusted_skipped), normalized as schemas/observations.md prescribes. Hook records have time "0".
import { sha256Hex } from '../../schemas/digest.js';
import { observationId } from '../../schemas/observation.js';
import {
  OBSERVATION_SCHEMA,
  type AttrValue,
  type Observation,
  type ObservationKind,
  type ObservationSource,
} from '../../schemas/observation.js';
import type { Delivery } from '../../schemas/transport.js';

export const CALL_ID = 'call_fixture_0001';
export const COMMAND = 'echo hello > out.txt && cat out.txt';
export const INPUT_DIGEST = sha256Hex(COMMAND);
export const POLICY_DIGEST = sha256Hex('fixture policy');

export interface Draft {
  source: ObservationSource;
  kind: ObservationKind;
  name: string;
  session_id: string;
  time?: string;
  turn_id?: string;
  action_id?: string;
  trace_id?: string;
  span_id?: string;
  parent_span_id?: string;
  depends_on?: string[];
  attrs?: Record<string, AttrValue>;
}

export function observation(draft: Draft): Observation {
  const { time, attrs, ...rest } = draft;
  const body = {
    schema: OBSERVATION_SCHEMA,
    ...rest,
    runtime_family: 'tool_hook' as const,
    time_unix_nano: time === undefined ? '0' : rfc3339ToNanos(time),
    attrs: attrs ?? {},
    raw_digest: sha256Hex(JSON.stringify(draft)),
    // Receive time is not part of the identity: any value gives the same id.
    observed_unix_nano: '1',
  };
  const withoutId = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as Omit<
    Observation,
    'id'
  >;
  return { id: observationId(withoutId), ...withoutId };
}

export function rfc3339ToNanos(time: string): string {
  return (BigInt(Date.parse(time)) * 1_000_000n).toString();
}

/** One partition, consecutive offsets from `first`. */
export function deliveries(observations: readonly Observation[], first = 0, partition = 0): Delivery[] {
  return observations.map((observation, i) => ({ observation, partition, offset: String(first + i) }));
}

interface SessionFacts {
  session: string;
  turn: string;
  /** Event times of the runtime's log records, as in the capture. */
  times: {
    prompt: string;
    request1: string;
    decision?: string;
    result?: string;
    request2: string;
    response: string;
  };
}

const JSON_ALLOW: SessionFacts = {
  session: '01a1fc63-2f98-7dd3-800f-7af2d5171142',
  turn: '01a1fc63-2faa-7dd0-bf3c-0e507d15babe',
  times: {
    prompt: '2026-11-21T04:35:21.418Z',
    request1: '2026-11-21T04:35:21.445Z',
    decision: '2026-11-21T04:35:21.593Z',
    result: '2026-11-21T04:35:21.629Z',
    request2: '2026-11-21T04:35:21.770Z',
    response: '2026-11-21T04:35:21.803Z',
  },
};

const JSON_DENY: SessionFacts = {
  session: '01a1fc63-5120-7af2-b560-1fe54f0b301e',
  turn: '01a1fc63-5131-73b2-8fd2-46adb07fcae4',
  times: {
    prompt: '2026-11-21T04:35:29.976Z',
    request1: '2026-11-21T04:35:30.005Z',
    request2: '2026-11-21T04:35:30.142Z',
    response: '2026-11-21T04:35:30.180Z',
  },
};

const UNTRUSTED: SessionFacts = {
  session: '01a1fc63-e4de-72f3-8966-3b31f817f0eb',
  turn: '01a1fc63-e4ef-76c3-8193-2fd24973efbd',
  times: {
    prompt: '2026-11-21T04:36:07.572Z',
    request1: '2026-11-21T04:36:07.618Z',
    decision: '2026-11-21T04:36:07.660Z',
    result: '2026-11-21T04:36:07.819Z',
    request2: '2026-11-21T04:36:07.841Z',
    response: '2026-11-21T04:36:07.876Z',
  },
};

function codexLog(
  facts: SessionFacts,
  kind: ObservationKind,
  event: string,
  time: string,
  extra: Partial<Draft> = {},
): Observation {
  return observation({ source: 'codex.log', kind, name: event, session_id: facts.session, time, ...extra });
}

function hook(
  facts: SessionFacts,
  kind: ObservationKind,
  event: string,
  extra: Partial<Draft> = {},
): Observation {
  return observation({
    source: 'hook',
    kind,
    name: `hook:${event}`,
    session_id: facts.session,
    ...extra,
    attrs: { 'proofline.hook.event': event, ...extra.attrs },
  });
}

function conversation(facts: SessionFacts): { head: Observation[]; tail: Observation[] } {
  const { times } = facts;
  return {
    head: [
      codexLog(facts, 'prompt', 'codex.user_prompt', times.prompt, { attrs: { prompt_length: '40' } }),
      codexLog(facts, 'model_request', 'codex.api_request', times.request1, { attrs: { attempt: 1 } }),
    ],
    tail: [
      codexLog(facts, 'model_request', 'codex.api_request', times.request2, { attrs: { attempt: 1 } }),
      codexLog(facts, 'turn_end', 'codex.agent_response', times.response, { turn_id: facts.turn }),
    ],
  };
}

function hookLifecycle(facts: SessionFacts): { start: Observation[]; end: Observation[] } {
  return {
    start: [
      hook(facts, 'session_start', 'SessionStart'),
      hook(facts, 'prompt', 'UserPromptSubmit', { turn_id: facts.turn }),
    ],
    end: [hook(facts, 'turn_end', 'Stop', { turn_id: facts.turn }), hook(facts, 'session_end', 'SessionEnd')],
  };
}

/** PreToolUse through `proofline hook`: the proposal, the decision proofline returned, the assumptions. */
export function preToolUse(
  facts: { session: string; turn: string },
  route: 'allow' | 'block',
  { callId = CALL_ID, files = '[{"path":"out.txt","sha256":null}]', inputDigest = INPUT_DIGEST } = {},
): Observation[] {
  const base = { turn_id: facts.turn, action_id: callId };
  const tool = { 'proofline.tool.name': 'Bash', 'proofline.input.digest': inputDigest };
  const f = facts as SessionFacts;
  return [
    hook(f, 'tool_proposed', 'PreToolUse', { ...base, attrs: tool }),
    hook(f, 'guard_decision', 'PreToolUse', {
      ...base,
      attrs: {
        ...tool,
        'proofline.route': route,
        'proofline.verdict': route === 'block' ? 'deny' : 'allow',
        'proofline.reason': route === 'block' ? 'writes to the workspace' : 'default allow',
        'proofline.matched_rules': route === 'block' ? '["no-writes"]' : '[]',
        ...(route === 'block' ? { 'proofline.rule': 'no-writes' } : {}),
        'proofline.policy.digest': POLICY_DIGEST,
      },
    }),
    hook(f, 'assumption', 'PreToolUse', {
      ...base,
      attrs: {
        ...tool,
        'proofline.cwd': '/home/dev/codex-runs/json_allow/workspace',
        'proofline.permission_mode': 'bypassPermissions',
        'proofline.model': 'mock-model',
        'proofline.files': files,
      },
    }),
  ];
}

/** What Codex logs for a call it ran: tool_decision (approved, Config) and tool_result. */
function codexToolCall(facts: SessionFacts, callId = CALL_ID): Observation[] {
  const tool = { 'proofline.tool.name': 'exec_command', 'proofline.input.digest': INPUT_DIGEST };
  return [
    codexLog(facts, 'approval', 'codex.tool_decision', facts.times.decision!, {
      action_id: callId,
      attrs: { ...tool, 'proofline.approval.decision': 'approved', 'proofline.approval.source': 'Config' },
    }),
    codexLog(facts, 'tool_result', 'codex.tool_result', facts.times.result!, {
      action_id: callId,
      attrs: {
        ...tool,
        'proofline.execution': true,
        'proofline.success': true,
        'proofline.output.digest': sha256Hex('hello\n'),
        duration_ms: '36',
      },
    }),
  ];
}

/** binary_allow / json_allow: hooks trusted and allowing, the tool runs. */
export function allowScenario(): Observation[] {
  const facts = JSON_ALLOW;
  const { head, tail } = conversation(facts);
  const { start, end } = hookLifecycle(facts);
  const postToolUse = hook(facts, 'tool_result', 'PostToolUse', {
    turn_id: facts.turn,
    action_id: CALL_ID,
    attrs: {
      'proofline.tool.name': 'Bash',
      'proofline.input.digest': INPUT_DIGEST,
      'proofline.execution': true,
    },
  });
  return [
    ...start,
    ...head,
    ...preToolUse(facts, 'allow'),
    postToolUse,
    ...codexToolCall(facts),
    ...tail,
    ...end,
  ];
}

/** binary_deny / json_deny: PreToolUse denies; Codex logs no tool_decision and no tool_result. */
export function denyScenario(): Observation[] {
  const facts = JSON_DENY;
  const { head, tail } = conversation(facts);
  const { start, end } = hookLifecycle(facts);
  return [...start, ...head, ...preToolUse(facts, 'block'), ...tail, ...end];
}

/** hooks_untrusted_skipped: no hook runs at all, only Codex's own logs. */
export function untrustedScenario(): Observation[] {
  const facts = UNTRUSTED;
  const { head, tail } = conversation(facts);
  return [...head, ...codexToolCall(facts), ...tail];
}

export const SESSIONS = { allow: JSON_ALLOW.session, deny: JSON_DENY.session, untrusted: UNTRUSTED.session };
export const TURNS = { allow: JSON_ALLOW.turn, deny: JSON_DENY.turn, untrusted: UNTRUSTED.turn };
