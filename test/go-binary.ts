// A Go program of the test suite, built once per source version into ~/.cache/proofline/<cache>, outside the
// repo: building needs `go` and, the first time, the Go module proxy. (test/interop/tlogcheck.ts builds its
// checker the same way and could use this.)
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function goBinary(goDir: string, name: string, cache: string): string {
  const sources = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go'])
    sources.update(file).update(readFileSync(join(goDir, file)));
  const dir = join(homedir(), '.cache', 'proofline', cache);
  const binary = join(dir, `${name}-${sources.digest('hex').slice(0, 16)}`);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  // Built under a private name and renamed, so a concurrent run never executes a half-written file.
  const partial = `${binary}.${process.pid}.partial`;
  try {
    execFileSync('go', ['build', '-mod=readonly', '-o', partial, '.'], { cwd: goDir, stdio: 'pipe' });
  } catch (error) {
    const { stderr, message } = error as { stderr?: Buffer; message: string };
    throw new Error(`building ${goDir} failed (is Go installed?): ${stderr?.toString() || message}`);
  }
  renameSync(partial, binary);
  return binary;
}
