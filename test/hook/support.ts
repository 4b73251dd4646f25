// Shared parts of the hook tests: the real Codex captures, a fake publisher, a real fastify server with the
// guard routes, the real hook client (bin/proofline-hook) and the real `proofline hook` compatibility process.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import Fastify, { type FastifyInstance } from 'fastify';

import { bearerTokenHook } from '../../ingest/http/auth.js';
import { guardRoutes, type GuardRouteDeps } from '../../ingest/http/guard-route.js';
import type { Guard } from '../../schemas/guard.js';
import { runHookClient, writeHookHeaders, type HookRun as ClientRun } from '../../service/hook-client.js';
import { FakePublisher } from '../ingest/helpers.js';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const FIXTURES = join(ROOT, 'test/fixtures/codex-0.169.0');

export interface StdinCapture {
  scenario: string;
  event: string;
  file: string;
  payload: Record<string, unknown>;
}

export function stdinCaptures(): StdinCapture[] {
  const scenarios = join(FIXTURES, 'scenarios');
  return readdirSync(scenarios).flatMap((scenario) => {
    const dir = join(scenarios, scenario, 'hooks');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith('.stdin.json'))
      .map((name) => {
        const file = join(dir, name);
        return {
          scenario,
          event: name.replace('.stdin.json', ''),
          file,
          payload: JSON.parse(readFileSync(file, 'utf8')),
        };
      });
  });
}

export { FakePublisher };

export interface GuardServer {
  app: FastifyInstance;
  url: string;
  publisher: FakePublisher;
  /** The Authorization header of every request, in order. */
  authorizations: Array<string | undefined>;
  setGuard(guard: Guard): void;
}

/** `options`: a bearer token the server requires, and more of the guard routes' dependencies (approvers). */
export async function startGuardServer(
  guard: Guard,
  storeContent = false,
  options: Partial<GuardRouteDeps> & { token?: string } = {},
): Promise<GuardServer> {
  const app = Fastify();
  const publisher = new FakePublisher();
  const authorizations: Array<string | undefined> = [];
  app.addHook('onRequest', async (request) => void authorizations.push(request.headers.authorization));
  const { token, ...routes } = options;
  if (token) app.addHook('onRequest', bearerTokenHook(token));
  let current = guard;
  await app.register(guardRoutes, { ...routes, guard: () => current, publisher, storeContent });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, publisher, authorizations, setGuard: (next) => (current = next) };
}

export interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const CLI = join(ROOT, 'dist/cli/main.js');

/** The shells the client must work under: Debian's /bin/sh (dash) and bash (absolute: some tests empty PATH). */
export const SHELLS = ['/bin/dash', '/bin/bash'] as const;

/** A header file (0600) holding the bearer token, or empty. */
export function headerFile(dir: string, token?: string): Promise<string> {
  const file = join(dir, token ? `headers-${token}` : 'headers-none');
  return writeHookHeaders(file, token).then(() => file);
}

/** Runs bin/proofline-hook under `shell` as Codex runs a hooks.json entry written by `init codex`. */
export function runClient(
  shell: string,
  event: string,
  stdin: string | Buffer,
  options: { url: string; headerFile: string; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<ClientRun> {
  return runHookClient({ shell, event, stdin, cwd: options.cwd ?? ROOT, ...options });
}

/** Runs the built `proofline hook` the way Codex does: stdin without a trailing newline, then EOF. */
export function runHookProcess(stdin: string, args: string[], cwd = ROOT): Promise<HookRun> {
  return runCliProcess(['hook', ...args], stdin, cwd);
}

/** Runs the built CLI with `args`, `stdin` (possibly empty) then EOF, and no token from the environment. */
export function runCliProcess(args: string[], stdin = '', cwd = ROOT): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, PROOFLINE_TOKEN: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

// What the CLI processes the tests spawn run, as source folders: the hook client and the commands.
const CLI_SOURCE_DIRS = ['cli', 'service', 'ingest/guard'];

function sourcesIn(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file));
}

/** Builds dist/ when a CLI source is newer than its compiled form (so a test run outside `npm test` never
 * exercises stale code). tsc emits even when other work in progress has type errors, so its exit code is not
 * the signal; the compiled files are. */
export async function ensureCliBuilt(): Promise<void> {
  const stale = CLI_SOURCE_DIRS.flatMap(sourcesIn).some((source) => {
    const compiled = join(ROOT, 'dist', source.replace(/\.ts$/, '.js'));
    return !existsSync(compiled) || statSync(compiled).mtimeMs < statSync(join(ROOT, source)).mtimeMs;
  });
  if (stale) {
    await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT }).catch(() => undefined);
    await promisify(execFile)(process.execPath, ['scripts/copy-assets.mjs'], { cwd: ROOT });
  }
  if (!existsSync(CLI)) throw new Error(`build did not produce ${CLI}`);
}
