// Runs test/interop/go (tlogcheck): the Go module database's note and tlog packages judging proofline's
// checkpoints and proofs. Built once per source version into ~/.cache/proofline/interop, outside the repo.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GO_DIR = fileURLToPath(new URL('./go/', import.meta.url));

/** One thing for tlogcheck to judge; the fields per kind are those of `testCase` in go/main.go. */
export interface TlogcheckCase {
  name: string;
  kind: 'checkpoint' | 'inclusion' | 'consistency';
  [field: string]: unknown;
}

export interface TlogcheckRequest {
  verifier_key: string;
  origin: string;
  /** Hex seal digests, in log order. */
  leaves: string[];
  /** MerkleLog.storedHashes() over all the leaves, base64. */
  stored_hashes: string;
  cases: TlogcheckCase[];
}

export interface TlogcheckReport {
  stored_hashes_match: boolean;
  results: { name: string; ok: boolean; error?: string }[];
}

export function runTlogcheck(request: TlogcheckRequest): TlogcheckReport {
  const run = spawnSync(tlogcheckBinary(), { input: JSON.stringify(request), maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`tlogcheck exited ${run.status}: ${run.stderr.toString()}`);
  return JSON.parse(run.stdout.toString()) as TlogcheckReport;
}

/** The built checker for the current sources; building needs `go` and, the first time, the module proxy. */
function tlogcheckBinary(): string {
  const sources = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go'])
    sources.update(file).update(readFileSync(join(GO_DIR, file)));
  const dir = join(homedir(), '.cache', 'proofline', 'interop');
  const binary = join(dir, `tlogcheck-${sources.digest('hex').slice(0, 16)}`);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  // Built under a private name and renamed, so a concurrent run never executes a half-written file.
  const partial = `${binary}.${process.pid}.partial`;
  try {
    execFileSync('go', ['build', '-mod=readonly', '-o', partial, '.'], { cwd: GO_DIR, stdio: 'pipe' });
  } catch (error) {
    const { stderr, message } = error as { stderr?: Buffer; message: string };
    throw new Error(`building test/interop/go failed (is Go installed?): ${stderr?.toString() || message}`);
  }
  renameSync(partial, binary);
  return binary;
}
