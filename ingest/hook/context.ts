// What the runtime's machine looked like when a tool call was proposed: the git commit checked out in its cwd
// and the digests of the files its command names. Collected by the hook client (it runs where the agent runs;
// the server may not), with plain file reads: no git process, because this runs before every tool call.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { parse as parseShell } from 'shell-quote';

import { shellCommand, type FileDigest, type HookContext } from '../../schemas/hook.js';

export const MAX_FILES = 16;
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** What the hook client reports for a tool call whose payload names a cwd. */
export async function collectHookContext(payload: Record<string, unknown>): Promise<HookContext | undefined> {
  if (typeof payload.cwd !== 'string') return undefined;
  const command = shellCommand(payload);
  const [gitHead, files] = await Promise.all([
    readGitHead(payload.cwd),
    command === undefined ? [] : digestNamedFiles(payload.cwd, command),
  ]);
  return { git_head: gitHead, files };
}

/** The commit HEAD points at, read from `.git` the way git itself resolves it: loose ref, then packed-refs. */
export async function readGitHead(cwd: string): Promise<string | null> {
  const gitDir = await findGitDir(cwd);
  if (!gitDir) return null;
  // Linked worktrees keep HEAD in their own git dir and the refs in the common one.
  const commonDir = await readText(join(gitDir, 'commondir')).then((text) =>
    text ? resolve(gitDir, text.trim()) : gitDir,
  );
  let head = (await readText(join(gitDir, 'HEAD')))?.trim();
  // A symbolic ref can point at another symbolic ref; git stops after a handful of hops, and so do we.
  for (let hop = 0; hop < 5 && head?.startsWith('ref: '); hop++) {
    const ref = head.slice('ref: '.length).trim();
    head =
      (await readText(join(gitDir, ref)))?.trim() ??
      (await readText(join(commonDir, ref)))?.trim() ??
      (await packedRef(commonDir, ref));
  }
  return head && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head) ? head : null;
}

async function findGitDir(cwd: string): Promise<string | null> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    const info = await stat(dotGit).catch(() => undefined);
    if (info?.isDirectory()) return dotGit;
    if (info?.isFile()) {
      // Worktrees and submodules: `.git` is a file holding `gitdir: <path>`.
      const pointer = /^gitdir:\s*(.+)$/m.exec((await readText(dotGit)) ?? '')?.[1]?.trim();
      if (pointer) return resolve(dir, pointer);
    }
    if (dirname(dir) === dir) return null;
  }
}

async function packedRef(commonDir: string, ref: string): Promise<string | undefined> {
  const packed = (await readText(join(commonDir, 'packed-refs'))) ?? '';
  for (const line of packed.split('\n')) {
    const [sha, name] = line.split(' ');
    if (name === ref) return sha;
  }
  return undefined;
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** Digests of the files a shell command names, in the order named. A word counts when it exists as a regular
 * file, or when it is named as a file (a redirection target, or a word with a `/` or an extension) and does
 * not exist yet: "the file was absent before the call" is evidence too. Plain words (`hello`) are not reported. */
export async function digestNamedFiles(cwd: string, command: string): Promise<FileDigest[]> {
  const digests: FileDigest[] = [];
  const seen = new Set<string>();
  for (const { word, namedAsFile } of namedWords(command)) {
    if (digests.length >= MAX_FILES) break;
    const path = resolve(cwd, word);
    if (seen.has(path)) continue;
    seen.add(path);
    const digest = await digestFile(path);
    if (digest !== 'skip' && (digest.sha256 !== null || digest.too_large || namedAsFile))
      digests.push(digest);
  }
  return digests;
}

const COMMAND_SEPARATORS = new Set(['||', '&&', ';;', '|&', '<(', '&', ';', '(', ')', '|']);
const REDIRECTIONS = new Set(['<', '>', '>>', '>&']);

interface NamedWord {
  word: string;
  namedAsFile: boolean;
}

// Program names are skipped unless they are paths (`./build.sh`), and so are options and env assignments.
function namedWords(command: string): NamedWord[] {
  // Keep `$VAR` literal: expanding it would need the agent's environment, and a guess would name the wrong file.
  const entries = parseShell(command, (name) => `$${name}`);
  const words: NamedWord[] = [];
  let atProgram = true;
  let afterRedirection = false;
  for (const entry of entries) {
    if (typeof entry !== 'string') {
      if ('op' in entry && COMMAND_SEPARATORS.has(entry.op)) atProgram = true;
      afterRedirection = 'op' in entry && REDIRECTIONS.has(entry.op);
      continue;
    }
    const isAssignment = atProgram && /^[A-Za-z_][A-Za-z0-9_]*=/.test(entry);
    const looksLikePath = entry.includes('/') || /\.[A-Za-z0-9]{1,10}$/.test(entry);
    const candidate = entry !== '' && !entry.startsWith('-') && !entry.includes('$') && !isAssignment;
    if (candidate && (afterRedirection || !atProgram || entry.includes('/'))) {
      words.push({ word: entry, namedAsFile: afterRedirection || looksLikePath });
    }
    if (!isAssignment && !afterRedirection) atProgram = false;
    afterRedirection = false;
  }
  return words;
}

// Directories, devices and files this user cannot read are skipped: there is nothing to pin, and the hook must
// not fail a tool call over a permission error.
async function digestFile(path: string): Promise<FileDigest | 'skip'> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' ? null : undefined,
  );
  if (info === null) return { path, sha256: null };
  if (!info?.isFile()) return 'skip';
  if (info.size > MAX_FILE_BYTES) return { path, sha256: null, too_large: true };
  const data = await readFile(path).catch(() => undefined);
  // node:crypto directly, not schemas/digest.ts: that module loads the CommonJS canonicalizer, a few ms this
  // per-tool-call process does not need for a plain sha256.
  return data ? { path, sha256: createHash('sha256').update(data).digest('hex') } : 'skip';
}
