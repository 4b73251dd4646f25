// Mutual exclusion between writers sharing a session's bundle directory (a second assembler, or one
// restarted while its predecessor is still shutting down). The lock is a file created with O_EXCL holding
// `<host> <pid>`; a lock left by a dead process on this host is taken over. Locks from other hosts cannot be
// checked for liveness, so they are waited on until the timeout.
import { hostname } from 'node:os';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import { SessionLockedError } from './errors.js';

const LOCK_FILE = '.lock';
const RETRY_MS = 20;

export async function withSessionLock<T>(dir: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  const path = join(dir, LOCK_FILE);
  const owner = `${hostname()} ${process.pid}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(owner);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await holderIsDead(path)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (Date.now() >= deadline) throw new SessionLockedError(path);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
  try {
    return await work();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

async function holderIsDead(path: string): Promise<boolean> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const [host, pidText] = text.split(' ');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
