// How an assembler step can fail. Failures that pass — the store cannot write now (a read-only or full disk) or
// the transport is away — will not recur once an operator or the network fixes them: the run loop retries.
// Failures of the store itself (its transparency log no longer matches its checkpoints, another writer took
// the directory) end the run: no session could be sealed honestly after them. Anything else is one session's
// data (a poison session, quarantined) — or a bug, which then shows as quarantines, loudly.
import { ProoflineError } from '../schemas/errors.js';
import { TransportUnavailableError } from '../schemas/transport.js';
import { DataDirLockedError, TransparencyLogError } from './errors.js';

/** File system failures that go away when an operator fixes the disk or the permissions. */
const PASSING_FS_ERRORS = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'EAGAIN',
]);

export function isPassingFailure(error: unknown): boolean {
  if (error instanceof TransportUnavailableError) return true;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && PASSING_FS_ERRORS.has(code)) return true;
  // DuckDB reports a failed write (disk full, read-only file) as an IO Error.
  return error instanceof Error && !(error instanceof ProoflineError) && /^IO Error\b/.test(error.message);
}

export function isStoreFailure(error: unknown): boolean {
  return error instanceof TransparencyLogError || error instanceof DataDirLockedError;
}
