// The SDK's failures, each with a stable `code` a caller can branch on (the project's one error base,
// schemas/errors.ts). A server that cannot decide is not an error for `guard()` (it fails closed with a deny
// decision); these are what is left: misuse of an action, and the approval poll meeting a server that refuses
// it outright.
import { ProoflineError } from '../schemas/errors.js';

export { ProoflineError };

export type ProoflineErrorCode =
  /** An argument is missing or has the wrong shape. */
  | 'INVALID_ARGUMENT'
  /** The action's outcome was already recorded: its span has ended and takes nothing more. */
  | 'ACTION_ENDED'
  /** An `approval_gate` decision without the `approval_id` to wait for. */
  | 'APPROVAL_ID_MISSING';

export type ProoflineServerErrorCode =
  /** No answer: connection refused, reset, or timed out. */
  | 'SERVER_UNREACHABLE'
  /** A non-2xx status. */
  | 'SERVER_REFUSED'
  /** A 2xx status whose body is not the documented answer. */
  | 'SERVER_BAD_ANSWER';

export class ProoflineServerError extends ProoflineError<ProoflineServerErrorCode> {
  constructor(
    code: ProoflineServerErrorCode,
    message: string,
    /** The HTTP status, when the server answered. */
    readonly status?: number,
  ) {
    super(code, message);
  }

  /** Worth asking again: the server was unreachable, overloaded, or could not record (503). */
  get transient(): boolean {
    return (
      this.code === 'SERVER_UNREACHABLE' ||
      (this.status !== undefined && this.status >= 500) ||
      this.status === 429
    );
  }
}
