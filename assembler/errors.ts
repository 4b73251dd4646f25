// Typed failures of the assembler (codes in schemas/errors.ts's style), so callers (the CLI, the run loop,
// tests) branch on the kind of failure, not on message text.
import { ProoflineError } from '../schemas/errors.js';

export class KeyExistsError extends ProoflineError<'KEY_EXISTS'> {
  constructor(readonly path: string) {
    super('KEY_EXISTS', `refusing to overwrite existing key file ${path} (use force to replace it)`);
  }
}

export class KeyInvalidError extends ProoflineError<'KEY_INVALID'> {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super('KEY_INVALID', `signing key ${path} is unusable: ${reason}`);
  }
}

/** The bundle directory holds something the store cannot read back (a corrupt or foreign file). */
export class BundleStoreCorruptError extends ProoflineError<'BUNDLE_STORE_CORRUPT'> {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super('BUNDLE_STORE_CORRUPT', `bundle store file ${path} is unreadable: ${reason}`);
  }
}

/** Another writer holds a session's lock for longer than we are willing to wait. */
export class SessionLockedError extends ProoflineError<'SESSION_LOCKED'> {
  constructor(readonly path: string) {
    super('SESSION_LOCKED', `session bundle directory is locked by another writer: ${path}`);
  }
}
