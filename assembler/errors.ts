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

/** The signing key can be read (or written) by others than its owner: whoever can read it can sign. */
export class KeyInsecureError extends ProoflineError<'KEY_INSECURE'> {
  constructor(
    readonly path: string,
    readonly mode: number,
  ) {
    super(
      'KEY_INSECURE',
      `signing key ${path} has mode ${mode.toString(8).padStart(4, '0')}: group or others can read it, so a ` +
        `signature would not show that this server made it. Run \`chmod 600 ${path}\` (and keep it owned by ` +
        'the service account), or start with --allow-insecure-key to sign anyway; every bundle then records that.',
      { exitCode: 2 },
    );
  }
}

/** Another process is writing to the data directory (one writer at a time: writer-lock.ts). */
export class DataDirLockedError extends ProoflineError<'DATA_DIR_LOCKED'> {
  constructor(
    readonly path: string,
    holder: string,
  ) {
    super('DATA_DIR_LOCKED', `the data directory is in use by another proofline writer (${holder}): ${path}`);
  }
}

/** The transparency log in the data directory does not match its own signed checkpoint, or a witness's. */
export class TransparencyLogError extends ProoflineError<'TLOG_INCONSISTENT'> {
  constructor(message: string) {
    super('TLOG_INCONSISTENT', message);
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

/** `proofline export` cannot write where it was asked to. */
export class ExportError extends ProoflineError<'EXPORT_FAILED'> {
  constructor(message: string) {
    super('EXPORT_FAILED', message, { exitCode: 2 });
  }
}
