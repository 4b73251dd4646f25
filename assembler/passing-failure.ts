// Which failures pass: the store cannot write now (a read-only or full disk, a lock another writer holds) or
// the transport is away, and the same step will succeed once an operator or the network fixes it. The run loop
// retries those; anything else is the data's fault (a poison session, quarantined) or a bug (the run ends).
import { ProoflineError } from '../schemas/errors.js';
import { TransportUnavailableError } from '../schemas/transport.js';
import { SessionLockedError } from './errors.js';

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
  if (error instanceof TransportUnavailableError || error instanceof SessionLockedError) return true;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && PASSING_FS_ERRORS.has(code)) return true;
  // DuckDB reports a failed write (disk full, read-only file) as an IO Error.
  return error instanceof Error && !(error instanceof ProoflineError) && /^IO Error\b/.test(error.message);
}
