// Replays a captured Codex run (test/fixtures/codex-0.169.0/scenarios/<name>) the way Codex delivered it:
// the hook calls first, live, each through a real hook client process (bin/proofline-hook, as `proofline init
// codex` configures it); then the OTLP requests Codex flushed at shutdown, byte for byte, to the paths and
// content types it used.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runHookClient, withHookHeaders, type HookRun } from './hook-client.js';

const HERE = dirname(fileURLToPath(import.meta.url));

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

export interface HookResult extends HookRun {
  event: string;
}

/** Runs one hook call through a real hook client process, with the header file `headerFile`. */
export async function runHookProcess(
  call: HookCall,
  options: { url: string; headerFile: string },
): Promise<HookResult> {
  const run = await runHookClient({ event: call.event, stdin: call.stdin, ...options });
  return { event: call.event, ...run };
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
  const hooks = await withHookHeaders(options.token, async (headerFile) => {
    const results: HookResult[] = [];
    for (const call of scenario.hooks)
      results.push(await runHookProcess(call, { url: options.url, headerFile }));
    return results;
  });
  const otlp: OtlpResult[] = [];
  for (const request of scenario.otlp) otlp.push(await postOtlp(request, options));
  return { hooks, otlp };
}
