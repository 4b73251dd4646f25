// The agent's machine, as every runtime of a seed sees it: a fixed checkout at /srv/acme/app (there is no real
// repository behind it), its commit, the digests of the files a command names, and the tool input the call
// runs. File contents are synthetic: each digest stands for "this file, in this seed", nothing more.
import { namedFilePaths } from '../../ingest/hook/context.js';
import { canonicalDigest, sha256Hex } from '../../schemas/digest.js';
import type { SeedStep } from './seed.js';
import type { HookContextBody } from './trace.js';

export const CWD = '/srv/acme/app';

/** The commit checked out for the whole session. */
function gitHead(seed: string): string {
  return sha256Hex(`${seed}:HEAD`).slice(0, 40);
}

export function localContext(seed: string, step: SeedStep): HookContextBody {
  return { git_head: gitHead(seed), files: namedFiles(seed, step) };
}

/** Files a shell command names, as the server reads them for the assumption receipt (POST /v1/hook): the
 * guard's own parser (policy/externality/file-operands.ts), so URLs and `@file` arguments are never taken for
 * workspace paths, and `~/…` is left out as the server leaves it out. */
function namedFiles(seed: string, step: SeedStep): HookContextBody['files'] {
  if (step.tool !== 'shell') return [];
  return namedFilePaths(CWD, step.command).map((path) => ({ path, sha256: sha256Hex(`${seed}:${path}`) }));
}

/** What the call runs: the command (its dry-run form when the runtime applied the guard's rewrite) or the MCP
 * tool's arguments. */
export function toolInput(step: SeedStep, rewritten: boolean): Record<string, unknown> {
  if (step.tool === 'mcp') return step.mcp.arguments;
  return { command: rewritten && step.dry_run !== undefined ? step.dry_run : step.command };
}

/** `proofline.input.digest` as ingest computes it: the command string, else the canonical arguments. */
export function inputDigest(input: Record<string, unknown>): string {
  return typeof input.command === 'string' ? sha256Hex(input.command) : canonicalDigest(input);
}
