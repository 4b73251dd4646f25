// The ingest stage's configuration, with its defaults and checks beside it (the OTel Collector's `config.go`
// + `createDefaultConfig`): the OTLP/HTTP receiver and the guard routes it serves.
import { readApproversFile } from '../schemas/approvers.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../schemas/endpoints.js';
import { ConfigError } from '../schemas/errors.js';

export interface Config {
  /** Address to bind: loopback unless told otherwise. */
  host: string;
  port: number;
  /** Require `Authorization: Bearer <token>` on every route but /healthz. */
  token?: string;
  /** Guard policy or rule file; absent: allow everything, recorded as such. */
  policyFile?: string;
  /** Approvers file (schemas/approvers.ts): whose signed grants answer an approval_gate. Absent: nobody's,
   * so every gated call stays gated. Read and checked at start; a bad file fails the start. */
  approversFile?: string;
  /** Keep redacted prompt/argument/output text beside its digest. */
  storeContent: boolean;
  /** Largest request body accepted, before and after decompression. */
  maxBodyBytes: number;
}

export function createDefaultConfig(): Config {
  return { host: DEFAULT_HOST, port: DEFAULT_PORT, storeContent: false, maxBodyBytes: 16 * 1024 * 1024 };
}

export function validate(config: Config): void {
  if (config.host.trim() === '') throw new ConfigError('ingest: host is empty');
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535)
    throw new ConfigError(`ingest: port ${config.port} is not a port number`);
  if (!Number.isSafeInteger(config.maxBodyBytes) || config.maxBodyBytes <= 0)
    throw new ConfigError('ingest: maxBodyBytes must be a positive integer');
  if (config.token !== undefined && config.token.trim() === '')
    throw new ConfigError('ingest: token is empty (leave it out to run without one)');
  if (config.approversFile !== undefined && config.approversFile.trim() === '')
    throw new ConfigError('ingest: approvers file is empty (leave it out to register no approvers)');
  // Read now, so a bad file stops the command before anything starts (it is read again when the stage starts).
  if (config.approversFile !== undefined) readApproversFile(config.approversFile);
}

/** Loopback addresses: the only ones where running without a token is the documented default. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
