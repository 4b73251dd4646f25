// An operator-facing failure of a command line: printed as one line on stderr, exit 2 (usage) unless told.
import { ProoflineError } from '../schemas/errors.js';

export class CliError extends ProoflineError<'USAGE'> {
  constructor(message: string, exitCode = 2) {
    super('USAGE', message, { exitCode });
  }
}
