// A real Codex 0.169.0 capture (test/fixtures/codex-0.169.0/scenarios/<name>) as the observations ingest makes
// of it: the hook calls in the order they ran, each PreToolUse with the decision proofline would have returned,
// then the OTLP requests in arrival order. Tests may cross stages: this is fixture bytes → ingest's normalizer.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { decodeOtlp } from '../../ingest/otlp/decode.js';
import { normalizeHookCall } from '../../ingest/normalize/hooks.js';
import { normalizeOtlpRequest } from '../../ingest/normalize/otlp-request.js';
import { sha256Hex } from '../../schemas/digest.js';
import type { GuardDecision } from '../../schemas/guard.js';
import type { Observation } from '../../schemas/observation.js';

export const SCENARIOS = join(import.meta.dirname, '../fixtures/codex-0.169.0/scenarios');
const OTLP_FILE = /^\d+_(logs|traces|metrics)\.(pb|json)$/;

export function decision(route: 'allow' | 'block'): GuardDecision {
  return {
    route,
    verdict: route === 'block' ? 'deny' : 'allow',
    reason: route === 'block' ? 'fixture deny' : 'fixture allow',
    matched_rules: route === 'block' ? ['fixture-deny'] : [],
    ...(route === 'block' ? { deciding_rule: 'fixture-deny' } : {}),
    policy_digest: sha256Hex('fixture policy'),
  };
}

/** Each hook call's stdin, in the order Codex ran them. */
export function hookCalls(name: string): Record<string, unknown>[] {
  const invocations = join(SCENARIOS, name, 'hooks', 'invocations.jsonl');
  if (!readdirSync(join(SCENARIOS, name)).includes('hooks')) return [];
  return readFileSync(invocations, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { stdin: Record<string, unknown> }).stdin);
}

/** Hooks in the order they ran (with the decision proofline would have returned), then OTLP in arrival order. */
export function normalizeScenario(name: string, route?: 'allow' | 'block'): Observation[] {
  const dir = join(SCENARIOS, name);
  const observations: Observation[] = [];
  for (const stdin of hookCalls(name)) {
    const isPreToolUse = stdin['hook_event_name'] === 'PreToolUse';
    observations.push(
      ...normalizeHookCall(stdin, {
        decision: isPreToolUse && route ? decision(route) : undefined,
        storeContent: false,
        observedUnixNano: '1',
      }),
    );
  }
  for (const file of readdirSync(join(dir, 'otlp'))
    .filter((f) => OTLP_FILE.test(f))
    .sort()) {
    const [, signal, ext] = OTLP_FILE.exec(file)!;
    const request = decodeOtlp(
      readFileSync(join(dir, 'otlp', file)),
      ext === 'pb' ? 'protobuf' : 'json',
      signal as 'logs' | 'traces' | 'metrics',
    );
    observations.push(
      ...normalizeOtlpRequest(request, { observedUnixNano: '1', storeContent: false }).observations,
    );
  }
  return observations;
}

/** The command each call of the capture ran, by call id (from its PreToolUse). */
export function commandsByCall(name: string): Map<string, string> {
  const commands = new Map<string, string>();
  for (const stdin of hookCalls(name))
    if (stdin['hook_event_name'] === 'PreToolUse')
      commands.set(stdin['tool_use_id'] as string, (stdin['tool_input'] as { command: string }).command);
  return commands;
}
