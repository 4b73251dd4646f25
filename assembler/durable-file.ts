// Crash-safe file writes: a reader sees either no file or the whole file, never a torn one. Data goes to a
// temp file in the same directory, is fsynced, then moved into place, and the directory is fsynced so the
// new name itself survives a power loss.
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface DurableWriteOptions {
  /** File mode, applied at creation (never by a later chmod, so there is no window with wider access). */
  mode?: number;
  /** false: fail with EEXIST if the target exists (no-replace). */
  replace: boolean;
}

export async function writeFileDurably(
  path: string,
  data: string | Uint8Array,
  options: DurableWriteOptions,
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', options.mode ?? 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // link() refuses an existing target, which rename() would silently replace.
    if (options.replace) await rename(temp, path);
    else await link(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  if (!options.replace) await unlink(temp);
  await syncDirectory(dir);
}

/** fsyncs a directory, so names created or removed in it survive a power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
