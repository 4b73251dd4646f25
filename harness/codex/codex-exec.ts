// The real Codex CLI: installed on demand by deploy/codex/install-codex.sh (a cache outside the repository),
// and run as `codex exec` under a hard `timeout`, so a hung run fails the caller instead of wedging it.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

import { API_KEY_ENV } from './codex-home.js';
import { INSTALL_CODEX_SCRIPT } from './repo.js';

/** Installs @openai/codex@0.169.0 if it is not cached yet (npm registry only); returns the `codex` path. */
export async function installCodex(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [INSTALL_CODEX_SCRIPT], { timeout: 300_000 });
  const path = stdout.trim().split('\n').at(-1);
  if (!path) throw new Error('install-codex.sh printed no path');
  return path;
}

/** Codex's environment: its home, the provider key it insists on, and loopback kept away from any proxy. */
export function codexEnv(codexHome: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CODEX_HOME: codexHome,
    [API_KEY_ENV]: 'sk-proofline-e2e-not-a-real-key',
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    ...extra,
  };
}

export interface CodexExecOptions {
  codex: string;
  codexHome: string;
  cwd: string;
  prompt: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds?: number;
  /** More `codex exec` flags (`--approve-for-me`, `--sandbox workspace-write`, …). */
  args?: string[];
}

export interface CodexExecResult {
  exitCode: number | null;
  /** The `--json` event stream. */
  stdout: string;
  stderr: string;
  wallMs: number;
}

export async function codexExec(options: CodexExecOptions): Promise<CodexExecResult> {
  const seconds = options.timeoutSeconds ?? 120;
  const args = [
    '--kill-after=5',
    String(seconds),
    options.codex,
    'exec',
    '--skip-git-repo-check',
    '--json',
    ...(options.args ?? []),
    '-o',
    join(options.codexHome, 'last-message.txt'),
    options.prompt,
  ];
  const started = performance.now();
  // stdin is /dev/null: `codex exec` otherwise waits for more prompt on stdin.
  const child = spawn('timeout', args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  return { exitCode, stdout, stderr, wallMs: performance.now() - started };
}
