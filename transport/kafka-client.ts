// One place that builds kafkajs clients for proofline: bounded connect/request timeouts and few retries, so a
// broker that is down surfaces as an error within seconds instead of kafkajs's multi-minute default backoff,
// and kafkajs's log lines go to pino with their level kept.
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { pino, type Logger } from 'pino';

export interface KafkaConnectionOptions {
  brokers: readonly string[];
  clientId?: string;
  /** Receives kafkajs's own log lines; defaults to pino on stderr at `warn`. */
  logger?: Logger;
}

const PINO_LEVEL: Record<logLevel, 'error' | 'warn' | 'info' | 'debug' | 'silent'> = {
  [logLevel.NOTHING]: 'silent',
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafkaClient(options: KafkaConnectionOptions): Kafka {
  const logger = (options.logger ?? pino({ level: 'warn' }, pino.destination(2))).child({
    component: 'kafkajs',
  });
  return new Kafka({
    clientId: options.clientId ?? 'proofline',
    brokers: [...options.brokers],
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
    logLevel: logLevel.INFO,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...fields } = log;
        const method = PINO_LEVEL[level];
        if (method !== 'silent') logger[method](fields, message);
      },
  });
}
