// One writer per data directory (ARCHITECTURE.md §5): the segments and the transparency log are appended to by
// exactly one process, so their order is the order things happened and no two writers ever fork the log. The
// lock is `<data>/writer.lock`, created with O_EXCL and holding `<host> <pid>`. A lock left by a dead process
// on this host is taken over; a live holder (a predecessor still shutting down) is waited for until the
// timeout. Locks from other hosts cannot be checked for liveness, so they are waited on as well.
import { hostname } from 'node:os';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import { DataDirLockedError } from './errors.js';

export const WRITER_LOCK_FILE = 'writer.lock';
const RETRY_MS = 20;

/** Takes the data directory's writer lock; resolves to the function that releases it. */
export async function takeWriterLock(dataDir: string, timeoutMs: number): Promise<() => Promise<void>> {
  const path = join(dataDir, WRITER_LOCK_FILE);
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
      return () => unlink(path).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readFile(path, 'utf8').catch(() => '');
      if (holderIsDead(holder)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (Date.now() >= deadline) throw new DataDirLockedError(path, holder || 'unknown holder');
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

function holderIsDead(holder: string): boolean {
  const [host, pidText] = holder.split(' ');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
