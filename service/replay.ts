// Replays a captured Codex run (test/fixtures/codex-0.169.0/scenarios/<name>) the way Codex delivered it:
// the hook calls first, live, each through a real `proofline hook` process; then the OTLP requests Codex
// flushed at shutdown, byte for byte, to the paths and content types it used.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ENV } from '../schemas/endpoints.js';

const HERE = dirname(fileURLToPath(import.meta.url));
// The hook runs as the built CLI, as Codex runs it; from the TypeScript sources (tests) that is dist/.
const CLI_MAIN = [join(HERE, '../cli/main.js'), resolve(HERE, '../dist/cli/main.js')].find((path) =>
  existsSync(path),
);

/** The captures ship with the project; from `dist/service/` they are two levels up. */
export function fixturesRoot(): string {
  const candidates = [
    resolve(HERE, '../../test/fixtures/codex-0.169.0'),
    resolve(HERE, '../test/fixtures/codex-0.169.0'),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'scenarios')));
  if (!found) throw new Error(`Codex fixtures not found (looked in ${candidates.join(', ')})`);
  return found;
}

export interface HookCall {
  event: string;
  stdin: string;
}

export interface OtlpRequest {
  file: string;
  path: string;
  contentType: string;
  body: Buffer;
}

export interface Scenario {
  name: string;
  /** What the capture's own hook answered (`allow`, `deny`, `deny-exit2`, `permreq-deny`, …). */
  hookMode: string;
  hooks: HookCall[];
  otlp: OtlpRequest[];
}

export async function listScenarios(root = fixturesRoot()): Promise<string[]> {
  return (await readdir(join(root, 'scenarios'))).sort();
}

export async function loadScenario(name: string, root = fixturesRoot()): Promise<Scenario> {
  const dir = join(root, 'scenarios', name);
  return {
    name,
    hookMode: await readHookMode(dir),
    hooks: await readHookCalls(dir),
    otlp: await readOtlpRequests(dir),
  };
}

async function readHookMode(dir: string): Promise<string> {
  for (const file of ['hooks.json', 'config.toml']) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    const mode = /hook_capture\.py \S+ ([\w-]+)/.exec(await readFile(path, 'utf8'))?.[1];
    if (mode) return mode;
  }
  return 'none';
}

async function readHookCalls(dir: string): Promise<HookCall[]> {
  const log = join(dir, 'hooks', 'invocations.jsonl');
  if (!existsSync(log)) return [];
  const lines = (await readFile(log, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return lines.map((line) => {
    const { stdin } = JSON.parse(line) as { stdin: { hook_event_name: string } };
    return { event: stdin.hook_event_name, stdin: JSON.stringify(stdin) };
  });
}

async function readOtlpRequests(dir: string): Promise<OtlpRequest[]> {
  const otlpDir = join(dir, 'otlp');
  const metas = (await readdir(otlpDir)).filter((f) => f.endsWith('.meta.json')).sort();
  return Promise.all(
    metas.map(async (metaFile) => {
      const meta = JSON.parse(await readFile(join(otlpDir, metaFile), 'utf8')) as {
        path: string;
        content_type: string;
        body_file: string;
      };
      return {
        file: meta.body_file,
        path: meta.path,
        contentType: meta.content_type,
        body: await readFile(join(otlpDir, meta.body_file)),
      };
    }),
  );
}

export interface HookResult {
  event: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one hook call through a real `proofline hook` process. */
export function runHookProcess(
  call: HookCall,
  options: { url: string; token?: string; extraArgs?: string[] },
): Promise<HookResult> {
  return new Promise((resolvePromise, reject) => {
    if (!CLI_MAIN) throw new Error('the proofline CLI is not built (npm run build)');
    const args = [CLI_MAIN, 'hook', '--url', options.url, ...(options.extraArgs ?? [])];
    const env = { ...process.env, [ENV.token]: options.token ?? '' };
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ event: call.event, exitCode: code ?? -1, stdout, stderr }));
    child.stdin.end(call.stdin);
  });
}

export interface OtlpResult {
  file: string;
  status: number;
  body: string;
}

/** Posts one captured OTLP request to the receiver exactly as Codex sent it. */
export async function postOtlp(
  request: OtlpRequest,
  options: { url: string; token?: string },
): Promise<OtlpResult> {
  const headers: Record<string, string> = { 'content-type': request.contentType };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(new URL(request.path, options.url), {
    method: 'POST',
    headers,
    body: request.body,
  });
  return { file: request.file, status: response.status, body: await response.text() };
}

/** Hooks first (Codex runs them live), then the OTLP export Codex flushes at shutdown. */
export async function replayScenario(
  scenario: Scenario,
  options: { url: string; token?: string },
): Promise<{ hooks: HookResult[]; otlp: OtlpResult[] }> {
  const hooks: HookResult[] = [];
  for (const call of scenario.hooks) hooks.push(await runHookProcess(call, options));
  const otlp: OtlpResult[] = [];
  for (const request of scenario.otlp) otlp.push(await postOtlp(request, options));
  return { hooks, otlp };
}
