// Shared parts of the guard tests: a real fastify server with the guard and approval routes over the example
// policy, hook payloads for one session, and the built `proofline hook` / `proofline approve` processes.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { Observation } from '../../schemas/observation.js';
import { CLI, ROOT, runHookProcess, type HookRun } from '../hook/support.js';

export const EXAMPLE_POLICY = join(ROOT, 'deploy/policy/example-policy.yaml');

// What `proofline hook` and `proofline approve` load, as source paths.
const CLI_SOURCES = [
  'cli/main.ts',
  'cli/commands.ts',
  'cli/hook-args.ts',
  'ingest/hook/command.ts',
  'ingest/hook/output.ts',
  'ingest/guard/approve-command.ts',
];

/** Builds dist/ when a CLI source is newer than its compiled form (tsc emits even when unrelated work in
 * progress has type errors, so the compiled files are the signal, not its exit code). */
export async function ensureCliBuilt(): Promise<void> {
  const stale = CLI_SOURCES.some((source) => {
    const compiled = join(ROOT, 'dist', source.replace(/\.ts$/, '.js'));
    return !existsSync(compiled) || statSync(compiled).mtimeMs < statSync(join(ROOT, source)).mtimeMs;
  });
  if (stale) {
    await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT }).catch(() => undefined);
    await promisify(execFile)(process.execPath, ['scripts/copy-assets.mjs'], { cwd: ROOT });
  }
  if (!existsSync(CLI)) throw new Error(`build did not produce ${CLI}`);
}

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

export function runCli(args: string[]): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, PROOFLINE_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
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
