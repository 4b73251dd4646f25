// Typed failures of the assembler. Each carries a stable `code` so callers (the CLI, the run loop, tests)
// branch on the kind of failure, not on message text.

export class KeyExistsError extends Error {
  readonly code = 'KEY_EXISTS';
  constructor(readonly path: string) {
    super(`refusing to overwrite existing key file ${path} (use force to replace it)`);
    this.name = 'KeyExistsError';
  }
}

export class KeyInvalidError extends Error {
  readonly code = 'KEY_INVALID';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`signing key ${path} is unusable: ${reason}`);
    this.name = 'KeyInvalidError';
  }
}

/** A delivered record that is not a usable Observation; it is dead-lettered, never retried. */
export class InvalidObservationError extends Error {
  readonly code = 'INVALID_OBSERVATION';
  constructor(reason: string) {
    super(`invalid observation: ${reason}`);
    this.name = 'InvalidObservationError';
  }
}

/** The bundle directory holds something the store cannot read back (a corrupt or foreign file). */
export class BundleStoreCorruptError extends Error {
  readonly code = 'BUNDLE_STORE_CORRUPT';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`bundle store file ${path} is unreadable: ${reason}`);
    this.name = 'BundleStoreCorruptError';
  }
}

/** Another writer holds a session's lock for longer than we are willing to wait. */
export class SessionLockedError extends Error {
  readonly code = 'SESSION_LOCKED';
  constructor(readonly path: string) {
    super(`session bundle directory is locked by another writer: ${path}`);
    this.name = 'SessionLockedError';
  }
}
