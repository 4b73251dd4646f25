// The hook client as the product ships it (bin/proofline-hook, a POSIX sh + curl script) and how everything
// else runs it: `proofline init codex` writes its command line, the demo's replay and the benchmarks run it
// as Codex does, and `proofline hook` (the Node command older hooks.json files name) hands each call to it.
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The absolute, symlink-free path of bin/proofline-hook: `service/` in the sources, `dist/service/` built. */
export function hookClientPath(): string {
  const candidates = [resolve(HERE, '../bin/proofline-hook'), resolve(HERE, '../../bin/proofline-hook')];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`the hook client is missing (looked for ${candidates.join(', ')})`);
  return realpathSync(found);
}

/** The header file the client sends: the bearer token, mode 0600, so it is in no command line. */
export async function writeHookHeaders(path: string, token: string | undefined): Promise<void> {
  const text = token ? `Authorization: Bearer ${token}\n` : '';
  await writeFile(path, text, { mode: 0o600 });
}

/** One hook handler's command line, as hooks.json holds it (Codex runs it through a shell); `caFile`: the CA
 * an https server's certificate must chain to. */
export function hookCommand(
  client: string,
  event: string,
  url: string,
  headerFile: string,
  caFile?: string,
): string {
  return [client, event, url, headerFile, ...(caFile ? [caFile] : [])].map(shellQuote).join(' ');
}

export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface HookRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface HookRunOptions {
  event: string;
  url: string;
  headerFile: string;
  /** The CA file for an https server (the client's fourth argument). */
  caFile?: string;
  stdin: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The shell to run the script with (`dash`, `bash`); default: its `#!/bin/sh` line. */
  shell?: string;
}

/** Runs the client once, as Codex does: a new process, stdin then EOF, stdout and exit code collected. */
export function runHookClient(options: HookRunOptions): Promise<HookRun> {
  const client = hookClientPath();
  const clientArgs = [
    options.event,
    options.url,
    options.headerFile,
    ...(options.caFile ? [options.caFile] : []),
  ];
  const [command, args] = options.shell ? [options.shell, [client, ...clientArgs]] : [client, clientArgs];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolvePromise({
        exitCode: code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
    // A client that exits before reading all of stdin (a usage error) closes the pipe: not our failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin);
  });
}

/** A header file for the duration of `use`, in a private temporary directory. */
export async function withHookHeaders<T>(
  token: string | undefined,
  use: (headerFile: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'proofline-hook-'));
  try {
    const file = join(dir, 'headers');
    await writeHookHeaders(file, token);
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `proofline hook [--url U] [--token T]`: what hooks.json files written before `proofline init codex` name.
 * Those command lines carry no event, so this reads it from stdin, then hands the call to the client, whose
 * answer (or refusal) is final. A command line it cannot read still reaches the client, with no usable URL,
 * so a tool call is denied rather than let through by an exit 1. */
export async function runHookCompat(options: {
  url?: string;
  token?: string;
  problem?: string;
}): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const stdin = Buffer.concat(chunks);
  if (options.problem) process.stderr.write(`proofline hook: ${options.problem}\n`);
  const run = await withHookHeaders(options.token, (headerFile) =>
    runHookClient({
      event: eventOf(stdin),
      url: options.problem ? '' : (options.url ?? ''),
      headerFile,
      stdin,
    }),
  );
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  // The client exits 0 or 2; a signal (null) is reported as a block, never as Codex's fail-open exit 1.
  return run.exitCode === 0 ? 0 : 2;
}

function eventOf(stdin: Buffer): string {
  try {
    const event = (JSON.parse(stdin.toString('utf8')) as { hook_event_name?: unknown }).hook_event_name;
    return typeof event === 'string' ? event : '';
  } catch {
    return ''; // the client then blocks with exit 2: it cannot tell which answer Codex expects
  }
}
