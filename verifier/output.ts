// Where a command writes. Defaults to the process streams; tests pass their own to read what was written.
export interface Output {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const processOutput: Output = { stdout: process.stdout, stderr: process.stderr };
