// Where clients find a proofline server by default, and the environment variables they read: the hook client,
// `proofline approve`, proofline/sdk and the server agree on these.

export const DEFAULT_HOST = '127.0.0.1';
/** The OTLP/HTTP port (the receiver also serves the guard, decide and approval routes). */
export const DEFAULT_PORT = 4318;
export const DEFAULT_SERVER_URL = `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;

export const ENV = {
  /** The bearer token the receiver requires (and clients send). */
  token: 'PROOFLINE_TOKEN',
  /** The server clients talk to. */
  url: 'PROOFLINE_URL',
  /** pino log level of the long-running commands. */
  logLevel: 'PROOFLINE_LOG_LEVEL',
} as const;
