// How the verifier fails as a program (as opposed to a bundle failing a check, which is a result, not an
// error): bad input from the operator. The CLI prints `message` as one line and exits with `exitCode`.

/**
 * Exit codes of `proofline verify` and `proofline report`, the CI contract:
 * 0 every check passed and completeness met the threshold; 1 at least one check failed (takes precedence);
 * 2 usage or input error (nothing was verified); 3 every check passed but overall completeness is below
 * `--min-completeness`.
 */
export const EXIT_CODES = { ok: 0, checkFailed: 1, usage: 2, belowThreshold: 3 } as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export type VerifierErrorCode =
  | 'path_not_found'
  | 'no_bundles'
  | 'no_trusted_keys'
  | 'invalid_key_set'
  | 'policy_invalid'
  | 'report_not_chosen'
  | 'unknown_report'
  | 'sql_file_unreadable'
  | 'sql_failed';

export class VerifierError extends Error {
  readonly exitCode: ExitCode = EXIT_CODES.usage;

  constructor(
    readonly code: VerifierErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VerifierError';
  }
}
