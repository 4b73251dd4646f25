// `proofline hook`, the compatibility entry older hooks.json files name: it hands each call to the real client,
// and a command line it cannot read still denies a tool call rather than exit 1 (which Codex lets through).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseHookArgs } from '../../cli/hook-args.js';
import { parseRuleFile, RuleFileGuard } from '../../policy/rule-file.js';
import {
  ensureCliBuilt,
  runHookProcess,
  startGuardServer,
  stdinCaptures,
  type GuardServer,
} from './support.js';

const pre = JSON.stringify(
  stdinCaptures().find((c) => c.scenario === 'binary_allow' && c.event === 'PreToolUse')!.payload,
);
let server: GuardServer;

beforeAll(async () => {
  await ensureCliBuilt();
  server = await startGuardServer(
    new RuleFileGuard(parseRuleFile('version: 1\ndefault: deny\nrules: []\n', 'deny-all.yaml')),
  );
});
afterAll(async () => server?.app.close());

describe('proofline hook arguments', () => {
  it('reads --url and --token, with environment and built-in defaults', () => {
    expect(parseHookArgs(['--url', 'http://127.0.0.1:1', '--token', 't'])).toEqual({
      url: 'http://127.0.0.1:1',
      token: 't',
    });
    expect(parseHookArgs([]).url).toMatch(/^http:\/\//);
  });

  it('reports a wrong command line (including the retired --fail-open) instead of throwing', () => {
    expect(parseHookArgs(['--bogus']).problem).toMatch(/--bogus/);
    expect(parseHookArgs(['--fail-open']).problem).toMatch(/--fail-open/);
  });
});

describe('the compatibility process', () => {
  it('asks the server through the client: a deny-all policy denies', async () => {
    const run = await runHookProcess(pre, ['--url', server.url]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).hookSpecificOutput).toMatchObject({ permissionDecision: 'deny' });
    expect(server.publisher.observations.map((o) => o.kind)).toContain('guard_decision');
  });

  it('denies a tool call when its command line is wrong', async () => {
    const run = await runHookProcess(pre, ['--url', server.url, '--fail-open']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).hookSpecificOutput).toMatchObject({
      permissionDecision: 'deny',
      permissionDecisionReason: expect.stringMatching(/misconfigured/),
    });
    expect(run.stderr).toMatch(/--fail-open/);
  });

  it('blocks with exit 2 when stdin names no event it can read', async () => {
    const run = await runHookProcess('{"hook_event_name": "PreToolUse",', ['--url', server.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/proofline-hook: usage/);
  });
});
