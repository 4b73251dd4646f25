// normalizeHookCall over every real Codex 0.169.0 hook stdin capture, and normalizeHookSpan against it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { normalizeHookCall, normalizeHookSpan } from '../../ingest/normalize/hooks.js';
import { HookPayloadError } from '../../schemas/hook.js';
import { RuleFileGuard, parseRuleFile } from '../../policy/rule-file.js';
import { canonicalDigest } from '../../schemas/digest.js';
import { observationId } from '../../schemas/observation.js';
import type { GuardDecision } from '../../schemas/guard.js';
import type { Observation } from '../../schemas/observation.js';
import { FIXTURES, stdinCaptures } from './support.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const OBSERVED = '1795235746000000000';
const captures = stdinCaptures();

const denyRm: GuardDecision = new RuleFileGuard(
  parseRuleFile(
    'version: 1\nrules:\n  - id: no-out-txt\n    command: "*out.txt*"\n    decision: deny\n',
    'test',
  ),
).decide({
  runtime_family: 'tool_hook',
  session_id: 's',
  tool_name: 'Bash',
  tool_input: {},
  command: 'echo hello > out.txt',
});

const EXPECTED_KINDS: Record<string, string[]> = {
  SessionStart: ['session_start'],
  UserPromptSubmit: ['prompt'],
  PreToolUse: ['tool_proposed', 'guard_decision', 'assumption'],
  PermissionRequest: ['approval'],
  PostToolUse: ['tool_result'],
  Stop: ['turn_end'],
  SessionEnd: ['session_end'],
};

function normalize(payload: Record<string, unknown>, storeContent = false): Observation[] {
  const guarded = payload.hook_event_name === 'PreToolUse' || payload.hook_event_name === 'PermissionRequest';
  return normalizeHookCall(payload, {
    decision: guarded ? denyRm : undefined,
    storeContent,
    observedUnixNano: OBSERVED,
  });
}

describe('normalizeHookCall over the real stdin captures', () => {
  it('has captures for every event that fired', () => {
    expect(new Set(captures.map((c) => c.event))).toEqual(new Set(Object.keys(EXPECTED_KINDS)));
  });

  for (const { scenario, event, payload } of captures) {
    it(`${scenario}/${event}`, () => {
      const observations = normalize(payload);
      expect(observations.map((o) => o.kind)).toEqual(EXPECTED_KINDS[event]);
      for (const obs of observations) {
        expect(obs).toMatchObject({
          schema: 'proofline.observation/v1',
          source: 'hook',
          runtime_family: 'tool_hook',
          session_id: payload.session_id,
          name: `hook:${event}`,
          time_unix_nano: '0',
          observed_unix_nano: OBSERVED,
          raw_digest: canonicalDigest(payload),
        });
        expect(obs.id).toBe(observationId(obs));
        expect(obs.turn_id).toBe(payload.turn_id);
        expect(obs.attrs['proofline.hook.event']).toBe(event);
        // Tool calls join on tool_use_id; PermissionRequest has none and joins by turn + input digest.
        expect(obs.action_id).toBe(event === 'PermissionRequest' ? undefined : payload.tool_use_id);
      }
      expect(new Set(observations.map((o) => o.id)).size).toBe(observations.length);
      // Same input, same ids: re-delivery is idempotent.
      expect(normalize(payload).map((o) => o.id)).toEqual(observations.map((o) => o.id));
    });
  }

  it('keeps content as digests unless the operator opts in', () => {
    for (const { payload } of captures) {
      const texts = ['prompt', 'tool_response', 'last_assistant_message']
        .map((key) => payload[key])
        .concat((payload.tool_input as { command?: unknown } | undefined)?.command)
        .filter((text): text is string => typeof text === 'string' && text.length > 0);
      const hidden = JSON.stringify(normalize(payload, false));
      const stored = JSON.stringify(normalize(payload, true));
      for (const text of texts) {
        expect(hidden).not.toContain(JSON.stringify(text).slice(1, -1));
        expect(hidden).toContain(sha256(text));
        expect(stored).toContain(JSON.stringify(text).slice(1, -1));
      }
    }
  });

  it('PreToolUse: command digest equals sha256 of Codex `arguments.cmd`, decision and assumption recorded', () => {
    const pre = captures.find((c) => c.scenario === 'json_allow' && c.event === 'PreToolUse')!.payload;
    const logs = JSON.parse(readFileSync(join(FIXTURES, 'scenarios/json_allow/otlp/004_logs.json'), 'utf8'));
    const toolResult = logs.resourceLogs
      .flatMap(
        (rl: {
          scopeLogs: { logRecords: { attributes: { key: string; value: { stringValue?: string } }[] }[] }[];
        }) => rl.scopeLogs,
      )
      .flatMap((sl: { logRecords: unknown[] }) => sl.logRecords)
      .map((record: { attributes: { key: string; value: { stringValue?: string } }[] }) =>
        Object.fromEntries(record.attributes.map((a) => [a.key, a.value.stringValue])),
      )
      .find((attrs: Record<string, string>) => attrs['event.name'] === 'codex.tool_result');
    const cmd = JSON.parse(toolResult.arguments).cmd as string;

    const [proposed, decision, assumption] = normalize(pre);
    expect(proposed!.attrs['proofline.input.digest']).toBe(sha256(cmd));
    expect(proposed!.attrs['tool_input.command.sha256']).toBe(sha256(cmd));
    expect(proposed!.attrs['proofline.tool.name']).toBe('Bash');
    expect(proposed!.action_id).toBe(toolResult.call_id);
    expect(decision!.attrs).toMatchObject({
      'proofline.route': 'block',
      'proofline.verdict': 'deny',
      'proofline.rule': 'no-out-txt',
      'proofline.matched_rules': '["no-out-txt"]',
      'proofline.policy.digest': denyRm.policy_digest,
      'proofline.enforceability': 'runtime_enforced',
    });
    expect(assumption!.attrs).toMatchObject({
      'proofline.cwd': pre.cwd,
      'proofline.permission_mode': 'bypassPermissions',
      'proofline.model': 'mock-model',
    });
    // Without the hook client's local context, git HEAD and file digests are absent, not invented.
    expect(assumption!.attrs).not.toHaveProperty('proofline.git.head');
  });

  it('PermissionRequest joins its PreToolUse by turn and input digest, and records the answer', () => {
    const inScenario = (event: string) =>
      captures.find((c) => c.scenario === 'hook_permission_request_allow' && c.event === event)!.payload;
    const [approval] = normalize(inScenario('PermissionRequest'));
    const [proposed] = normalize(inScenario('PreToolUse'));
    expect(approval!.turn_id).toBe(proposed!.turn_id);
    expect(approval!.attrs['proofline.input.digest']).toBe(proposed!.attrs['proofline.input.digest']);
    expect(approval!.attrs).toMatchObject({
      'proofline.approval.decision': 'denied',
      'proofline.approval.source': 'PermissionRequest hook',
      'proofline.enforceability': 'approval_orchestrated',
      'proofline.rule': 'no-out-txt',
    });
    const deferred = normalizeHookCall(inScenario('PermissionRequest'), {
      decision: new RuleFileGuard().decide({
        runtime_family: 'tool_hook',
        session_id: 's',
        tool_name: 'Bash',
        tool_input: {},
      }),
      storeContent: false,
      observedUnixNano: OBSERVED,
    });
    expect(deferred[0]!.attrs).not.toHaveProperty('proofline.approval.decision');
  });

  it('PostToolUse proves execution with the output digest', () => {
    const post = captures.find((c) => c.event === 'PostToolUse')!.payload;
    const [result] = normalize(post);
    expect(result!.attrs).toMatchObject({
      'proofline.execution': true,
      'proofline.output.digest': sha256(post.tool_response as string),
    });
    expect(result!.payload_digest).toBe(sha256(post.tool_response as string));
  });

  it('an unknown event is kept as kind other; a payload without session or event is rejected', () => {
    const [other] = normalizeHookCall(
      { hook_event_name: 'PreCompact', session_id: 's1', trigger: 'auto', cwd: '/w' },
      { storeContent: false, observedUnixNano: OBSERVED },
    );
    expect(other).toMatchObject({ kind: 'other', name: 'hook:PreCompact', attrs: { trigger: 'auto' } });
    expect(() =>
      normalizeHookCall({ hook_event_name: 'Stop' }, { storeContent: false, observedUnixNano: OBSERVED }),
    ).toThrow(HookPayloadError);
  });

  it('redacts secrets from stored content and from plain fields', () => {
    const secret = 'ghp_' + 'a'.repeat(36);
    const [prompt] = normalizeHookCall(
      {
        hook_event_name: 'UserPromptSubmit',
        session_id: 's1',
        prompt: `use ${secret}`,
        cwd: `/home/${secret}`,
      },
      { storeContent: true, observedUnixNano: OBSERVED },
    );
    expect(JSON.stringify(prompt)).not.toContain(secret);
    expect(prompt!.attrs['prompt.sha256']).toBe(sha256(`use ${secret}`));
  });
});

describe('normalizeHookSpan', () => {
  const pre = captures.find((c) => c.scenario === 'binary_deny' && c.event === 'PreToolUse')!.payload;

  it('normalizes a proofline.hook span exactly like the same call through proofline hook', () => {
    const fromSpan = normalizeHookSpan({
      attributes: {
        'proofline.hook.event': 'PreToolUse',
        'proofline.hook.payload': JSON.stringify(pre),
        'proofline.hook.decision': JSON.stringify(denyRm),
      },
      runtimeFamily: 'tool_hook',
      observedUnixNano: OBSERVED,
      storeContent: false,
    });
    expect(fromSpan.map((o) => o.id)).toEqual(normalize(pre).map((o) => o.id));
  });

  it('takes the runtime family from the resource and works without a decision', () => {
    const observations = normalizeHookSpan({
      attributes: { 'proofline.hook.event': 'PreToolUse', 'proofline.hook.payload': JSON.stringify(pre) },
      runtimeFamily: 'framework_sdk',
      observedUnixNano: OBSERVED,
      storeContent: false,
    });
    expect(observations.map((o) => o.kind)).toEqual(['tool_proposed', 'assumption']);
    expect(observations.every((o) => o.runtime_family === 'framework_sdk' && o.source === 'hook')).toBe(true);
  });

  it('rejects a payload that is not a JSON object, or a decision that is not a GuardDecision', () => {
    const span = (attributes: Record<string, string>) => () =>
      normalizeHookSpan({
        attributes,
        runtimeFamily: 'tool_hook',
        observedUnixNano: OBSERVED,
        storeContent: false,
      });
    expect(span({ 'proofline.hook.event': 'Stop', 'proofline.hook.payload': '{not json' })).toThrow(
      HookPayloadError,
    );
    expect(span({ 'proofline.hook.event': 'Stop', 'proofline.hook.payload': '[1]' })).toThrow(
      HookPayloadError,
    );
    expect(
      span({
        'proofline.hook.event': 'PreToolUse',
        'proofline.hook.payload': JSON.stringify(pre),
        'proofline.hook.decision': '{"verdict":"maybe"}',
      }),
    ).toThrow(/GuardDecision/);
    expect(span({ 'proofline.hook.event': 'Stop', 'proofline.hook.payload': JSON.stringify(pre) })).toThrow(
      /disagrees/,
    );
  });
});
