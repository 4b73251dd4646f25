// An operator-facing failure: printed as one line on stderr, exit code chosen by the command.
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
