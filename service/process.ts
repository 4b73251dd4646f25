// What every long-running command shares: a JSON logger on stderr, and waiting for SIGINT/SIGTERM.
import pino, { type Logger } from 'pino';

import { ENV } from '../schemas/endpoints.js';

export function processLogger(): Logger {
  return pino({ level: process.env[ENV.logLevel] ?? 'info' }, pino.destination(2));
}

export function untilStopped(logger: Logger): Promise<void> {
  return new Promise((done) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
