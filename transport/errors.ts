// Errors the transports raise besides the contract's TransportUnavailableError. Each carries a stable `code`
// so callers (CLI, HTTP receiver, tests) branch on it rather than on message text.

/** A record read from a log is not an Observation; the subscriber dead-letters it instead of delivering it. */
export class InvalidObservationError extends Error {
  readonly code = 'INVALID_OBSERVATION';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidObservationError';
  }
}

/** The caller used a transport in a way it does not support (closed publisher, unknown partition, run twice). */
export class TransportUsageError extends Error {
  readonly code = 'TRANSPORT_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'TransportUsageError';
  }
}
