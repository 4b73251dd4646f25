// A real `proofline serve` process on an ephemeral loopback port. Its URL comes from its own "proofline
// serving" log line, so no port is guessed and no other server can be mistaken for it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

import { readRecords } from '../../schemas/segment.js';
import { PROOFLINE_CLI } from './repo.js';

export interface ServeOptions {
  dataDir: string;
  policy?: string;
  settleMs: number;
  idleTimeoutMs: number;
  /** More flags for `serve` (`--token`, `--kafka`, …). */
  extraArgs?: string[];
}

export interface ServeProcess {
  url: string;
  policyDigest: string;
  /** stderr lines that are not the startup line (warnings, errors), for diagnosis. */
  log: string[];
  /** SIGTERM, then SIGKILL after 15 s; resolves with the exit code (null when killed). */
  stop(): Promise<number | null>;
  /** Resolves when the process exits, with its exit code. */
  exited: Promise<number | null>;
}

export async function startServe(options: ServeOptions): Promise<ServeProcess> {
  const args = [PROOFLINE_CLI, 'serve', '--data', options.dataDir, '--port', '0'];
  if (options.policy) args.push('--policy', options.policy);
  args.push('--settle-ms', String(options.settleMs), '--idle-timeout-ms', String(options.idleTimeoutMs));
  args.push(...(options.extraArgs ?? []));
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PROOFLINE_LOG_LEVEL: 'info' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const log: string[] = [];
  const started = new Promise<{ url: string; policy_digest: string }>((resolve, reject) => {
    createInterface({ input: child.stderr }).on('line', (line) => {
      const record = parseJson(line);
      if (record?.msg === 'proofline serving')
        resolve(record as unknown as { url: string; policy_digest: string });
      else log.push(line);
    });
    void exited.then((code) =>
      reject(new Error(`proofline serve exited ${code} before serving:\n${log.join('\n')}`)),
    );
    setTimeout(
      () => reject(new Error(`proofline serve did not start within 30 s:\n${log.join('\n')}`)),
      30_000,
    ).unref();
  });
  const serving = await started.catch(async (error: unknown) => {
    await stop(child, exited);
    throw error;
  });
  return {
    url: serving.url,
    policyDigest: serving.policy_digest,
    log,
    stop: () => stop(child, exited),
    exited,
  };
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until `count` sessions in the data directory are sealed. Codex exports OTLP at shutdown and a session
 * seals once its records settle after SessionEnd, so a finished `codex exec` is not yet a sealed session. */
export async function waitForSeals(dataDir: string, count: number, timeoutMs = 30_000): Promise<void> {
  let sealed = 0;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await delay(100)) {
    sealed = 0;
    for await (const record of readRecords(dataDir)) if (record.kind === 'seal') sealed += 1;
    if (sealed >= count) return;
  }
  throw new Error(`${sealed} of ${count} sessions sealed in ${dataDir} after ${timeoutMs} ms`);
}
