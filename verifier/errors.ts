// How the verifier fails as a program (as opposed to a bundle failing a check, which is a result, not an
// error): bad input from the operator. The CLI prints `message` as one line and exits with `exitCode`.
import { ProoflineError } from '../schemas/errors.js';

/**
 * Exit codes of `proofline verify` and `proofline report`, the CI contract:
 * 0 every check passed and completeness met the threshold; 1 at least one check failed (takes precedence);
 * 2 usage or input error (nothing was verified); 3 every check passed but overall completeness is below
 * `--min-completeness`.
 */
export const EXIT_CODES = { ok: 0, checkFailed: 1, usage: 2, belowThreshold: 3 } as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export type VerifierErrorCode =
  | 'PATH_NOT_FOUND'
  | 'NO_BUNDLES'
  | 'NO_TRUSTED_KEYS'
  | 'INVALID_KEY_SET'
  | 'POLICY_INVALID'
  | 'REPORT_NOT_CHOSEN'
  | 'UNKNOWN_REPORT'
  | 'SQL_FILE_UNREADABLE'
  | 'SQL_FAILED'
  | 'REPORT_FORMAT_TAKES_NO_QUERY'
  | 'BAD_TIME'
  | 'OUTPUT_UNWRITABLE'
  | 'ATTEST_KEY_INVALID';

/** Bad input from the operator: nothing was verified, exit 2. */
export class VerifierError extends ProoflineError<VerifierErrorCode> {
  constructor(code: VerifierErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, exitCode: EXIT_CODES.usage });
  }
}
