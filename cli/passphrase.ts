// An approver's passphrase, read from the controlling terminal (/dev/tty) with echo off, never from stdin: an
// agent can pipe stdin into a command it runs, but only a person types at the terminal. `--passphrase-file`
// is for automation, and weaker: whoever can read the file can approve.
import { openSync, readFileSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';

import { CliError } from './errors.js';

export async function readPassphrase(
  prompt: string,
  options: { file?: string; confirm?: boolean } = {},
): Promise<string> {
  if (options.file !== undefined) {
    try {
      return readFileSync(options.file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new CliError(`cannot read --passphrase-file ${options.file}: ${(error as Error).message}`);
    }
  }
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch (error) {
    throw new CliError(
      `no terminal to read the passphrase from (${(error as NodeJS.ErrnoException).code ?? 'error'}); ` +
        'run this at a terminal, or pass --passphrase-file',
    );
  }
  const input = new ReadStream(fd);
  const output = new WriteStream(fd);
  try {
    const first = await readHidden(input, output, prompt);
    if (options.confirm) {
      const again = await readHidden(input, output, 'again: ');
      if (again !== first) throw new CliError('the passphrases differ');
    }
    return first;
  } finally {
    input.destroy();
    output.destroy();
  }
}

function readHidden(input: ReadStream, output: WriteStream, prompt: string): Promise<string> {
  output.write(prompt);
  input.setRawMode(true);
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.removeListener('data', onData);
      output.write('\n');
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new CliError('cancelled'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
