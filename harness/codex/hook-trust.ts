// Persisted hook trust, the way a user grants it: Codex silently skips hooks it does not trust, and only Codex
// knows a hook's hash. `codex app-server` (JSON-RPC, one message per line on stdio) answers `hooks/list` with
// each hook's key, current hash and trust status; trusting means writing `[hooks.state."<key>"] trusted_hash`
// into the user config.toml. A second listing confirms Codex now reports every hook as trusted.
import { spawn } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

interface ListedHook {
  key: string;
  eventName: string;
  currentHash: string;
  trustStatus: string;
}

export interface TrustOptions {
  codex: string;
  codexHome: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Trusts every hook Codex discovers for `cwd`; returns the hooks' event names. Throws unless Codex then lists
 * all of them as trusted. */
export async function trustHooks(options: TrustOptions): Promise<string[]> {
  const before = await listHooks(options);
  const lines = before
    .filter((hook) => hook.trustStatus !== 'trusted')
    .flatMap((hook) => [
      '',
      `[hooks.state.${JSON.stringify(hook.key)}]`,
      `trusted_hash = ${JSON.stringify(hook.currentHash)}`,
    ]);
  await appendFile(join(options.codexHome, 'config.toml'), `${lines.join('\n')}\n`);
  const after = await listHooks(options);
  const untrusted = after.filter((hook) => hook.trustStatus !== 'trusted');
  if (after.length === 0 || untrusted.length > 0)
    throw new Error(
      `hooks not trusted after persisting trust: ${JSON.stringify(untrusted.length ? untrusted : after)}`,
    );
  return after.map((hook) => hook.eventName);
}

async function listHooks({ codex, cwd, env }: TrustOptions): Promise<ListedHook[]> {
  const server = spawn(codex, ['app-server'], { cwd, env, stdio: ['pipe', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const lines = createInterface({ input: server.stdout });
  const pending = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();
  lines.on('line', (line) => {
    let message: { id?: number; result?: unknown; error?: unknown };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      return; // not a JSON-RPC message
    }
    if (typeof message.id === 'number') pending.get(message.id)?.(message);
  });
  const call = (id: number, method: string, params: object) =>
    new Promise<unknown>((resolve, reject) => {
      pending.set(id, (message) =>
        message.error
          ? reject(new Error(`${method}: ${JSON.stringify(message.error)}`))
          : resolve(message.result),
      );
      server.stdin.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  const timeout = setTimeout(() => server.kill('SIGKILL'), 30_000);
  try {
    const failed = exited.then(() => Promise.reject(new Error('codex app-server exited before answering')));
    failed.catch(() => undefined); // it rejects at every exit, also the expected one in `finally`
    await Promise.race([
      call(1, 'initialize', { clientInfo: { name: 'proofline-e2e', version: '0' } }),
      failed,
    ]);
    server.stdin.write(`${JSON.stringify({ method: 'initialized' })}\n`);
    const result = (await Promise.race([call(2, 'hooks/list', { cwds: [cwd] }), failed])) as {
      data: { hooks?: ListedHook[]; errors?: unknown[] }[];
    };
    const errors = result.data.flatMap((entry) => entry.errors ?? []);
    if (errors.length > 0)
      throw new Error(`codex reports hook configuration errors: ${JSON.stringify(errors)}`);
    return result.data.flatMap((entry) => entry.hooks ?? []);
  } finally {
    clearTimeout(timeout);
    server.stdin.end();
    server.kill('SIGTERM');
    await exited;
  }
}
