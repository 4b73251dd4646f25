// Shared parts of the guard tests: a real fastify server with the guard and approval routes over the example
// policy, hook payloads for one session, and the built `proofline hook` / `proofline approve` processes.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Observation } from '../../schemas/observation.js';
import { ROOT, runCliProcess, runHookProcess, type HookRun } from '../hook/support.js';

/** Runs the built CLI with `args` and empty stdin. */
export const runCli = (args: string[]): Promise<HookRun> => runCliProcess(args);

export const EXAMPLE_POLICY = join(ROOT, 'deploy/policy/example-policy.yaml');

export { ensureCliBuilt } from '../hook/support.js';

/** A workspace whose git remotes are `origin` (owned by acme) and `fork` (someone else's). */
export function makeWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-guard-'));
  mkdirSync(join(dir, '.git'));
  writeFileSync(
    join(dir, '.git/config'),
    '[remote "origin"]\n\turl = git@github.com:acme/app.git\n[remote "fork"]\n\turl = https://github.com/someone-else/app.git\n',
  );
  return dir;
}

/** Codex PreToolUse stdin for a Bash call; each call of one session gets the next tool_use_id. */
export class CodexSession {
  private calls = 0;

  constructor(
    readonly sessionId: string,
    readonly cwd: string,
  ) {}

  preToolUse(command: string): Record<string, unknown> {
    this.calls += 1;
    return {
      session_id: this.sessionId,
      turn_id: `${this.sessionId}-turn`,
      cwd: this.cwd,
      hook_event_name: 'PreToolUse',
      model: 'mock-model',
      permission_mode: 'default',
      tool_name: 'Bash',
      tool_input: { command },
      tool_use_id: `${this.sessionId}-call-${this.calls}`,
    };
  }
}

/** Runs the built `proofline hook` for one PreToolUse, as Codex would. */
export function hook(url: string, payload: Record<string, unknown>, cwd: string): Promise<HookRun> {
  return runHookProcess(JSON.stringify(payload), ['--url', url], cwd);
}

/** The PreToolUse deny Codex reads from the hook's stdout, or undefined when the hook let the call run. */
export function denyReason(run: HookRun): string | undefined {
  if (run.stdout === '') return undefined;
  const output = JSON.parse(run.stdout) as {
    hookSpecificOutput?: { permissionDecision?: string; permissionDecisionReason?: string };
  };
  return output.hookSpecificOutput?.permissionDecision === 'deny'
    ? output.hookSpecificOutput.permissionDecisionReason
    : undefined;
}

/** The guard_decision a published batch holds for one tool call. */
export function decisionFor(published: readonly Observation[], actionId: unknown): Observation {
  const found = published.find((o) => o.kind === 'guard_decision' && o.action_id === actionId);
  if (found === undefined) throw new Error(`no guard_decision for ${String(actionId)}`);
  return found;
}

export function jsonAttr(observation: Observation, key: string): unknown {
  const value = observation.attrs[key];
  if (typeof value !== 'string') throw new Error(`${key} is not a JSON string attribute`);
  return JSON.parse(value);
}
