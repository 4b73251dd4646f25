// How real Codex 0.169.0 calls ended, as the bundles say (issue 12.4): captures of failing commands, of calls
// Codex refused itself, and of the same tool under its two names, bundled from fixture bytes.
import { afterEach, describe, expect, it } from 'vitest';

import type { ActionProof } from '../../schemas/bundle.js';
import type { Observation } from '../../schemas/observation.js';
import { commandsByCall, normalizeScenario } from './codex-captures.js';
import { readEnvelope, rig, statementOf, type Rig } from './harness.js';
import { deliveries } from './scenarios.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** Every action of the capture, bundled, by the command it ran. */
async function bundle(observations: Observation[], name: string): Promise<Map<string, ActionProof>> {
  current = await rig();
  await current.assembler.handle(deliveries(observations));
  const report = await current.assembler.flush();
  const commands = commandsByCall(name);
  const proofs = new Map<string, ActionProof>();
  for (const bundled of report.bundled) {
    const command = commands.get(bundled.actionId);
    if (command === undefined) continue;
    const { payload } = await readEnvelope(current.dataDir, bundled.location);
    proofs.set(command, statementOf<ActionProof>(payload).predicate);
  }
  expect([...proofs.keys()].sort()).toEqual([...commands.values()].sort());
  return proofs;
}

const closure = (proof: ActionProof) => proof.evidence.receipts.find((r) => r.checkpoint === 'closure')!;

describe('exec_failures: the exit code decides, not Codex’s success flag', () => {
  it.each([
    ['false', 1],
    ["sh -c 'exit 3'", 3],
    ['ls no-such-file', 2],
    ['curl -sS -d @notes.txt https://paste.example.net/api', 56],
    // It prints Codex's own status line and then exits 4: what a command prints cannot pass for the status.
    ["printf 'Process exited with code 0\\n'; exit 4", 4],
  ])('`%s` exits %i and is recorded as failed', async (command, code) => {
    const proofs = await bundle(normalizeScenario('exec_failures', 'allow'), 'exec_failures');
    const proof = proofs.get(command)!;
    expect(proof.summary.outcome).toBe('failed');
    expect(closure(proof).facts).toMatchObject({ kind: 'execution', success: false, exit_code: code });
    expect(proof.summary.completeness).toMatchObject({ rho: 1, missing: [] });
  });

  it('`echo ok` exits 0 and is recorded as succeeded', async () => {
    const proof = (await bundle(normalizeScenario('exec_failures', 'allow'), 'exec_failures')).get(
      'echo ok',
    )!;
    expect(proof.summary.outcome).toBe('succeeded');
    expect(closure(proof).facts).toMatchObject({ success: true, exit_code: 0 });
  });

  it('names every call exec_command, with Bash kept as an alias, whichever record arrived first', async () => {
    const observations = normalizeScenario('exec_failures', 'allow');
    const forward = await bundle(observations, 'exec_failures');
    await current!.close();
    const hooksLast = [
      ...observations.filter((o) => o.source !== 'hook'),
      ...observations.filter((o) => o.source === 'hook'),
    ];
    const backward = await bundle(hooksLast, 'exec_failures');
    for (const [command, proof] of forward) {
      expect(proof.summary).toMatchObject({ tool_name: 'exec_command', tool_aliases: ['Bash'] });
      expect(backward.get(command)!.summary).toEqual(proof.summary);
      const open = proof.evidence.receipts.find((r) => r.checkpoint === 'open')!;
      expect(open.facts['tool_name']).toBe('exec_command');
    }
  });
});

describe('a call Codex refuses itself is blocked, not a missing receipt', () => {
  it.each([
    ['codex_exec_policy_forbidden', 'rm -rf build'],
    ['codex_escalation_rejected', 'curl -sS https://example.com/'],
  ])('%s: `%s` closes as not executed, owing only the guard and closure receipts', async (name, command) => {
    const proofs = await bundle(normalizeScenario(name, 'allow'), name);
    const proof = proofs.get(command)!;
    expect(proof.summary).toMatchObject({
      route: 'allow',
      outcome: 'blocked',
      completeness: { expected: ['admissibility', 'closure'], missing: [], rho: 1 },
    });
    expect(closure(proof).facts).toMatchObject({ kind: 'non_execution', refused_by_runtime: true });
    expect(proof.verification.completeness_verdict).toBe('complete');
    expect(proofs.get('echo after')!.summary).toMatchObject({
      outcome: 'succeeded',
      completeness: { rho: 1 },
    });
  });

  it('hook_permission_request_deny: the denied escalation did not run', async () => {
    const proofs = await bundle(
      normalizeScenario('hook_permission_request_deny', 'allow'),
      'hook_permission_request_deny',
    );
    const [proof] = [...proofs.values()];
    expect(proof!.summary).toMatchObject({ outcome: 'blocked', completeness: { rho: 1 } });
  });
});

it('otel_tool_result_max_bytes: a preview cut before its status line leaves the outcome unknown', async () => {
  const proofs = await bundle(
    normalizeScenario('otel_tool_result_max_bytes', 'allow'),
    'otel_tool_result_max_bytes',
  );
  const [proof] = [...proofs.values()];
  expect(proof!.summary.outcome).toBe('unknown');
  expect(closure(proof!).facts).toMatchObject({ kind: 'execution', executed: true, success: null });
});
