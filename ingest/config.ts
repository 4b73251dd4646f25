// The ingest stage's configuration, with its defaults and checks beside it (the OTel Collector's `config.go`
// + `createDefaultConfig`): the OTLP/HTTP receiver and the guard routes it serves.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { readApproversFile } from '../schemas/approvers.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../schemas/endpoints.js';
import { ConfigError } from '../schemas/errors.js';
import { checkSecretFile } from '../schemas/secret-file.js';

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
  /** Serve HTTPS with this certificate chain (PEM) and its key; both or neither. */
  tlsCertFile?: string;
  /** The certificate's private key (PEM); refused when others can read it. */
  tlsKeyFile?: string;
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
  if (config.tlsCertFile !== undefined || config.tlsKeyFile !== undefined) readTls(config);
}

/** The certificate chain and key, checked now (readable, the key private and the certificate's own, the
 * certificate current), so a server that cannot serve HTTPS never starts. */
export function readTls(config: Pick<Config, 'tlsCertFile' | 'tlsKeyFile'>): { cert: Buffer; key: Buffer } {
  const { tlsCertFile: certFile, tlsKeyFile: keyFile } = config;
  if (certFile === undefined || keyFile === undefined)
    throw new ConfigError('ingest: TLS needs both a certificate (--tls-cert) and its key (--tls-key)');
  checkSecretFile(keyFile, 'TLS key');
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError(
        `ingest: cannot read the ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? error})`,
      );
    }
  };
  const cert = read(certFile, 'TLS certificate');
  const key = read(keyFile, 'TLS key');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    throw new ConfigError(`ingest: ${certFile} is not a PEM certificate (${(error as Error).message})`);
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(key)))
      throw new ConfigError(`ingest: the key ${keyFile} is not the key of the certificate ${certFile}`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`ingest: ${keyFile} is not a PEM private key (${(error as Error).message})`);
  }
  if (Date.parse(certificate.validTo) < Date.now())
    throw new ConfigError(`ingest: the certificate ${certFile} expired on ${certificate.validTo}`);
  return { cert, key };
}

/** Loopback addresses: the only ones where running without a token is the documented default. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
