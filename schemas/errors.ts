// The one error base every stage's failures extend (after sigstore-js's `packages/verify/src/error.ts`): a
// stable UPPER_SNAKE `code` callers branch on instead of message text, the underlying `cause`, and, for a
// failure that ends a command, the exit code the CLI should use.

export interface ProoflineErrorOptions {
  cause?: unknown;
  /** What `proofline` exits with when this error ends a command (default 1). */
  exitCode?: number;
}

export class ProoflineError<Code extends string = string> extends Error {
  readonly exitCode: number;

  constructor(
    readonly code: Code,
    message: string,
    options: ProoflineErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** The exit code a command ends with for `error`: its own when it is ours, else 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof ProoflineError && error.exitCode > 0 ? error.exitCode : 1;
}

/** A stage's configuration that cannot work (a port out of range, a negative timer): exit 2, before any work. */
export class ConfigError extends ProoflineError<'CONFIG_INVALID'> {
  constructor(message: string) {
    super('CONFIG_INVALID', message, { exitCode: 2 });
  }
}
