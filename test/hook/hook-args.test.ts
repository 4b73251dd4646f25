// The hook's own command line: parsed without commander, and a wrong one still fails closed.
import { describe, expect, it } from 'vitest';

import { parseHookArgs } from '../../cli/hook-args.js';
import { loadScenario, runHookProcess } from '../../service/replay.js';

describe('proofline hook arguments', () => {
  it('reads flags, with environment and built-in defaults', () => {
    expect(
      parseHookArgs(['--url', 'http://127.0.0.1:1', '--fail-open', '--timeout-ms', '250']),
    ).toMatchObject({
      url: 'http://127.0.0.1:1',
      failOpen: true,
      timeoutMs: 250,
    });
    expect(parseHookArgs([])).toMatchObject({ failOpen: false, timeoutMs: 5000 });
  });

  it('reports a wrong command line instead of throwing', () => {
    expect(parseHookArgs(['--bogus']).misconfigured).toMatch(/--bogus/);
    expect(parseHookArgs(['--timeout-ms', 'soon']).misconfigured).toMatch(/timeout-ms/);
  });

  it('denies a tool call when misconfigured, rather than exiting 1 (which Codex lets through)', async () => {
    const scenario = await loadScenario('binary_allow');
    const preToolUse = scenario.hooks.find((h) => h.event === 'PreToolUse')!;
    const result = await runHookProcess(preToolUse, { url: 'http://127.0.0.1:9', extraArgs: ['--bogus'] });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      hookSpecificOutput: {
        permissionDecision: 'deny',
        permissionDecisionReason: expect.stringMatching(/misconfigured/),
      },
    });
  });
});
