// Errors the transports raise besides the contract's TransportUnavailableError (schemas/transport.ts).
import { ProoflineError } from '../schemas/errors.js';

/** The caller used a transport in a way it does not support (closed publisher, unknown partition, run twice). */
export class TransportUsageError extends ProoflineError<'TRANSPORT_USAGE'> {
  constructor(message: string) {
    super('TRANSPORT_USAGE', message);
  }
}
