// Reading a file the agent named, on the agent's behalf, without letting the agent use the server as a tool:
// - never hang: opened O_NONBLOCK and fstat'ed, so a FIFO (or a FIFO swapped in after a check) or a device is
//   refused instead of blocking the request; reads stop at a byte cap whatever the size stat claims (/proc);
// - never read more than the agent could: a server running as its own OS user may be able to read files the
//   agent cannot (its signing key, say), and even a digest of a low-entropy secret answers guesses. A file is
//   read only when it belongs to the owner of the payload's cwd (the agent's user) or is world-readable.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export type AgentRead =
  | { kind: 'data'; data: Buffer }
  | { kind: 'absent' }
  /** A directory names no content; callers skip it. */
  | { kind: 'directory' }
  | { kind: 'too_large' }
  /** Permissions, not a regular file, or the agent's user could not read it. */
  | { kind: 'unreadable' };

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** Reads at most `limit` bytes of `path` as the user `agentUid` could; `too_large` past the limit. */
export async function readAsAgent(path: string, agentUid: number, limit: number): Promise<AgentRead> {
  return withAgentFile(path, agentUid, async (handle, size) =>
    size > limit ? { kind: 'too_large' } : readCapped(handle, limit),
  );
}

/** The bytes of `path` from `offset` on, at most `limit` of them, as `agentUid` could read them; `size` is the
 * file's size when it was opened (a file that grows is read again from where this read stopped). */
export async function readAsAgentFrom(
  path: string,
  agentUid: number,
  offset: number,
  limit: number,
): Promise<AgentRead | { kind: 'part'; data: Buffer; size: number }> {
  return withAgentFile(path, agentUid, async (handle, size) => {
    const length = Math.max(0, Math.min(limit, size - offset));
    const data = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(data, read, length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return { kind: 'part', data: data.subarray(0, read), size };
  });
}

async function withAgentFile<T>(
  path: string,
  agentUid: number,
  use: (handle: FileHandle, size: number) => Promise<T | AgentRead>,
): Promise<T | AgentRead> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'absent' } : { kind: 'unreadable' };
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return { kind: 'directory' };
    if (!info.isFile()) return { kind: 'unreadable' };
    if (info.uid !== agentUid && (info.mode & 0o004) === 0) return { kind: 'unreadable' };
    return await use(handle, info.size);
  } catch {
    return { kind: 'unreadable' };
  } finally {
    await handle.close();
  }
}

async function readCapped(handle: FileHandle, limit: number): Promise<AgentRead> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1 - total));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) return { kind: 'data', data: Buffer.concat(chunks, total) };
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
    if (total > limit) return { kind: 'too_large' };
  }
}
