// What the machine looked like when a tool call was proposed, for the assumption receipt: the commit checked
// out in the payload's cwd and the digests of the files the command names. The server reads it (POST
// /v1/hook), from the cwd Codex reports, which is also where Codex runs its hooks: a hook client cannot open a
// workspace file without risking a hang on a planted FIFO, and a hung hook is a Codex timeout, after which
// the tool runs. Every read goes through agent-files.ts (non-blocking, capped, only what the agent could read).
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';

import { fileOperands, type CommandFiles } from '../../policy/externality/file-operands.js';

import { shellCommand, type FileDigest, type HookContext, type HookPayload } from '../../schemas/hook.js';
import { readAsAgent } from './agent-files.js';

export const MAX_FILES = 16;
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** All files of one call together: past it, the rest are recorded `too_large`. */
export const MAX_TOTAL_BYTES = 32 * 1024 * 1024;
/** Files not started by then are recorded `unreadable`: a decision waits for this reading. */
export const CONTEXT_DEADLINE_MS = 1_000;
const MAX_GIT_FILE_BYTES = 4 * 1024;
const MAX_PACKED_REFS_BYTES = 4 * 1024 * 1024;

/** The reading for a hook payload, or undefined when the server cannot see its cwd (another machine, say):
 * then the receipt claims nothing rather than "no repository, no files". */
export async function readWorkspaceContext(
  payload: HookPayload,
  deadlineMs = CONTEXT_DEADLINE_MS,
): Promise<HookContext | undefined> {
  const cwd = payload.cwd;
  if (typeof cwd !== 'string' || !isAbsolute(cwd)) return undefined;
  const info = await stat(cwd).catch(() => undefined);
  if (!info?.isDirectory()) return undefined;
  const agentUid = info.uid;
  const command = shellCommand(payload);
  const deadline = Date.now() + deadlineMs;
  const [gitHead, files] = await Promise.all([
    readGitHead(cwd, agentUid),
    command === undefined ? [] : digestFiles(namedFilePaths(cwd, command), agentUid, deadline),
  ]);
  return { git_head: gitHead, files, read_by: 'server' };
}

/** The commit HEAD points at, resolved the way git does (loose ref, then packed-refs; linked worktrees keep
 * HEAD in their own git dir and refs in the common one), with plain reads: no git process per tool call. */
export async function readGitHead(cwd: string, agentUid: number): Promise<string | null> {
  const text = async (path: string, limit = MAX_GIT_FILE_BYTES) => {
    const read = await readAsAgent(path, agentUid, limit);
    return read.kind === 'data' ? read.data.toString('utf8') : undefined;
  };
  const gitDir = await findGitDir(cwd, text);
  if (!gitDir) return null;
  const common = (await text(join(gitDir, 'commondir')))?.trim();
  const commonDir = common ? resolve(gitDir, common) : gitDir;
  let head = (await text(join(gitDir, 'HEAD')))?.trim();
  // A symbolic ref can point at another symbolic ref; git stops after a handful of hops, and so do we.
  for (let hop = 0; hop < 5 && head?.startsWith('ref: '); hop++) {
    const ref = head.slice('ref: '.length).trim();
    // A ref names a file under the git dir; anything else is not git's and is not followed.
    if (!ref.startsWith('refs/') || ref.split('/').includes('..')) return null;
    head =
      (await text(join(gitDir, ref)))?.trim() ??
      (await text(join(commonDir, ref)))?.trim() ??
      packedRef(await text(join(commonDir, 'packed-refs'), MAX_PACKED_REFS_BYTES), ref);
  }
  return head && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head) ? head : null;
}

async function findGitDir(
  cwd: string,
  text: (path: string) => Promise<string | undefined>,
): Promise<string | undefined> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    const info = await stat(dotGit).catch(() => undefined);
    if (info?.isDirectory()) return dotGit;
    if (info?.isFile()) {
      // Worktrees and submodules: `.git` is a file holding `gitdir: <path>`.
      const pointer = /^gitdir:\s*(.+)$/m.exec((await text(dotGit)) ?? '')?.[1]?.trim();
      return pointer ? resolve(dir, pointer) : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function packedRef(packed: string | undefined, ref: string): string | undefined {
  for (const line of (packed ?? '').split('\n')) {
    const [sha, name] = line.split(' ');
    if (name === ref) return sha;
  }
  return undefined;
}

/** Digests of absolute paths, in order, at most MAX_FILES; directories are skipped (they name no content). A
 * path that does not exist is recorded with sha256 null: "absent before the call" is evidence too. */
export async function digestFiles(
  paths: readonly string[],
  agentUid: number,
  deadline = Date.now() + CONTEXT_DEADLINE_MS,
): Promise<FileDigest[]> {
  const digests: FileDigest[] = [];
  let budget = MAX_TOTAL_BYTES;
  for (const path of new Set(paths)) {
    if (digests.length >= MAX_FILES) break;
    if (Date.now() > deadline) {
      digests.push({ path, sha256: null, unreadable: true });
      continue;
    }
    const read = await readAsAgent(path, agentUid, Math.min(MAX_FILE_BYTES, budget));
    if (read.kind === 'directory') continue;
    if (read.kind === 'data') {
      budget -= read.data.length;
      digests.push({ path, sha256: createHash('sha256').update(read.data).digest('hex') });
    } else if (read.kind === 'absent') digests.push({ path, sha256: null });
    else if (read.kind === 'too_large') digests.push({ path, sha256: null, too_large: true });
    else digests.push({ path, sha256: null, unreadable: true });
  }
  return digests;
}

/** Absolute paths of the files a command runs, reads, writes or uploads, as the guard's own parser and program
 * models read them (policy/externality/file-operands.ts): URLs and remote targets are never taken for paths,
 * and a glob is left out (it names no one file). A line that does not parse names none. */
export function namedFilePaths(cwd: string, command: string): string[] {
  let commands: CommandFiles[];
  try {
    commands = fileOperands(command, cwd);
  } catch {
    return [];
  }
  const paths = new Set<string>();
  for (const { executes, reads, writes, uploads } of commands)
    for (const path of [...executes, ...reads, ...writes, ...uploads])
      if (!/[*?[]/.test(path)) paths.add(path);
  return [...paths].slice(0, MAX_FILES);
}
