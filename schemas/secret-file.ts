// Secrets proofline reads from files (a bearer token, a TLS private key, a config file holding a token) are
// refused when anyone but their owner and group can read them or anyone but their owner can write them: such a
// file is not a secret any more, and a server started on it would hide that. 0600 and 0640 (a service group,
// as systemd's LoadCredential or a compose secret set up for it) pass.
import { readFileSync, statSync } from 'node:fs';

import { ConfigError } from './errors.js';

/** Group write, and any access by others. */
const EXPOSED = 0o027;

/** Throws unless `path` is a regular file only its owner (and group, read-only) can use. */
export function checkSecretFile(path: string, what: string): void {
  let mode: number;
  let isFile: boolean;
  try {
    const stat = statSync(path);
    mode = stat.mode;
    isFile = stat.isFile();
  } catch (error) {
    throw new ConfigError(
      `${what} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  if (!isFile) throw new ConfigError(`${what} ${path}: not a regular file`);
  if ((mode & EXPOSED) !== 0)
    throw new ConfigError(
      `${what} ${path} is mode 0${(mode & 0o777).toString(8)}, open to others: chmod 600 (or 640 for a service group)`,
    );
}

/** A bearer token from a file: mode-checked, one line of visible ASCII (it goes into an HTTP header, where a
 * line break would start another header), surrounding whitespace trimmed. */
export function readTokenFile(path: string): string {
  checkSecretFile(path, 'token file');
  const token = readFileSync(path, 'utf8').trim();
  if (token === '') throw new ConfigError(`token file ${path} is empty`);
  if (!/^[\x21-\x7e]+$/.test(token))
    throw new ConfigError(`token file ${path}: the token must be one line of visible ASCII characters`);
  return token;
}
