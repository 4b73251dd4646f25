// Hook trust, asked of Codex itself: Codex silently skips hooks it does not trust, and only Codex knows a
// hook's hash. `codex app-server` (JSON-RPC, one message per line on stdio) answers `hooks/list` with each
// hook's key, current hash and trust status, and `config/batchWrite` persists `[hooks.state."<key>"]
// trusted_hash` into the user config.toml with Codex's own TOML writer (comments and other tables kept).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ListedHook {
  key: string;
  /** camelCase: `preToolUse`. */
  eventName: string;
  command?: string;
  sourcePath?: string;
  currentHash: string;
  trustStatus: string;
}

export interface AppServerOptions {
  /** The `codex` binary. */
  codex: string;
  codexHome: string;
  /** The directory whose hooks Codex lists (user hooks apply everywhere; project hooks only there). */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Every hook Codex discovers for `cwd`, with its trust status. Throws on hook configuration errors. */
export async function listHooks(options: AppServerOptions): Promise<ListedHook[]> {
  return withAppServer(options, async (call) => {
    const result = (await call('hooks/list', { cwds: [options.cwd] })) as {
      data: { hooks?: ListedHook[]; errors?: unknown[] }[];
    };
    const errors = result.data.flatMap((entry) => entry.errors ?? []);
    if (errors.length > 0)
      throw new Error(`codex reports hook configuration errors: ${JSON.stringify(errors)}`);
    return result.data.flatMap((entry) => entry.hooks ?? []);
  });
}

/** Trusts the hooks `select` picks (only those: trusting whatever a project's .codex/hooks.json brings would
 * run someone else's commands), then lists again; throws unless Codex reports each of them trusted. Returns
 * the trusted hooks. */
export async function trustHooks(
  options: AppServerOptions,
  select: (hook: ListedHook) => boolean,
): Promise<ListedHook[]> {
  const chosen = (await listHooks(options)).filter(select);
  if (chosen.length === 0) throw new Error('codex lists none of the hooks to trust');
  const untrusted = chosen.filter((hook) => hook.trustStatus !== 'trusted');
  if (untrusted.length > 0) {
    const state = Object.fromEntries(untrusted.map((hook) => [hook.key, { trusted_hash: hook.currentHash }]));
    await withAppServer(options, (call) =>
      call('config/batchWrite', {
        edits: [{ keyPath: 'hooks.state', value: state, mergeStrategy: 'upsert' }],
      }),
    );
  }
  const after = (await listHooks(options)).filter(select);
  const still = after.filter((hook) => hook.trustStatus !== 'trusted');
  if (after.length !== chosen.length || still.length > 0)
    throw new Error(
      `hooks not trusted after persisting trust: ${JSON.stringify(still.length ? still : after)}`,
    );
  return after;
}

type Call = (method: string, params: object) => Promise<unknown>;

async function withAppServer<T>(options: AppServerOptions, use: (call: Call) => Promise<T>): Promise<T> {
  const env = { ...(options.env ?? process.env), CODEX_HOME: options.codexHome };
  const server = spawn(options.codex, ['app-server'], {
    cwd: options.cwd,
    env,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => {
    server.once('exit', () => resolve());
    server.once('error', () => resolve());
  });
  const spawnFailed = new Promise<never>((_, reject) =>
    server.once('error', (error) => reject(new Error(`cannot run ${options.codex}: ${error.message}`))),
  );
  spawnFailed.catch(() => undefined);
  server.stdin.on('error', () => undefined); // a codex that failed to start closes its stdin
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
  let nextId = 1;
  const failed = exited.then(() => Promise.reject(new Error('codex app-server exited before answering')));
  failed.catch(() => undefined); // it rejects at every exit, also the expected one in `finally`
  const call: Call = (method, params) =>
    Promise.race([
      new Promise<unknown>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, (message) =>
          message.error
            ? reject(new Error(`${method}: ${JSON.stringify(message.error)}`))
            : resolve(message.result),
        );
        server.stdin.write(`${JSON.stringify({ id, method, params })}\n`);
      }),
      failed,
      spawnFailed,
    ]);
  const timeout = setTimeout(() => server.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  try {
    await call('initialize', { clientInfo: { name: 'proofline', version: '0' } });
    server.stdin.write(`${JSON.stringify({ method: 'initialized' })}\n`);
    return await use(call);
  } finally {
    clearTimeout(timeout);
    server.stdin.end();
    server.kill('SIGTERM');
    await exited;
  }
}
