// `--out FILE` for report and `--attest FILE` for verify: written without following a symbolic link and only
// into a regular file, since the agent being audited can plant a link or a FIFO where a report will go.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

import { VerifierError } from './errors.js';

export async function writeOutputFile(path: string, text: string): Promise<void> {
  const flags =
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const handle = await open(path, flags, 0o644).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'ELOOP' ? 'it is a symbolic link' : error.message;
    throw new VerifierError('OUTPUT_UNWRITABLE', `cannot write ${path}: ${why}`);
  });
  try {
    if (!(await handle.stat()).isFile())
      throw new VerifierError('OUTPUT_UNWRITABLE', `cannot write ${path}: not a regular file`);
    await handle.writeFile(text, 'utf8');
  } finally {
    await handle.close();
  }
}
