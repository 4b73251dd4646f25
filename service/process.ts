// What every long-running command shares: a JSON logger on stderr, and stopping on SIGINT/SIGTERM within a
// bounded time in every state (a broker gone, a step retrying a write): past the grace period, or on a second
// signal, the process exits non-zero rather than hang.
import pino, { type Logger } from 'pino';

import { ENV } from '../schemas/endpoints.js';

/** How long a graceful shutdown may take before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 8000;

export function processLogger(): Logger {
  return pino({ level: process.env[ENV.logLevel] ?? 'info' }, pino.destination(2));
}

export function untilStopped(logger: Logger, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  return new Promise((done) => {
    const force = (why: string): void => {
      logger.error({ why }, 'shutdown did not finish; exiting');
      logger.flush();
      process.exit(1);
    };
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      setTimeout(() => force(`still closing after ${graceMs} ms`), graceMs).unref();
      process.once('SIGINT', () => force('second signal'));
      process.once('SIGTERM', () => force('second signal'));
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
