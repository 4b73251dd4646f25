// A child process run to completion for a test: its exit code (1 when it could not start or was killed) and
// its output, never a throw, so a test asserts on what the command did.
import { execFile } from 'node:child_process';

export interface ProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<ProcessRun> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 280_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    // A command that exits without reading its stdin closes the pipe: EPIPE then is its business, not a failure.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}
