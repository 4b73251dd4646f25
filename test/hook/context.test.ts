// The hook client's local context, read without a git process: checked against what git itself says.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { digestNamedFiles, MAX_FILE_BYTES, MAX_FILES, readGitHead } from '../../ingest/hook/context.js';

let base: string;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.test', ...args], { cwd })
    .toString()
    .trim();

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'proofline-context-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('readGitHead', () => {
  it('is null outside a repository and before the first commit', async () => {
    expect(await readGitHead(base)).toBeNull();
    const unborn = join(base, 'unborn');
    execFileSync('git', ['init', '-q', unborn]);
    expect(await readGitHead(unborn)).toBeNull();
  });

  it('follows a linked worktree to its own HEAD, and a detached HEAD as it is', async () => {
    const repo = join(base, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'one');
    const first = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'two');
    git(repo, 'worktree', 'add', '-q', '-b', 'side', join(base, 'side'), first);
    expect(await readGitHead(join(base, 'side'))).toBe(first);
    expect(await readGitHead(repo)).toBe(git(repo, 'rev-parse', 'HEAD'));
    git(repo, 'checkout', '-q', '--detach', first);
    expect(await readGitHead(repo)).toBe(first);
  });
});

describe('digestNamedFiles', () => {
  it('reports an oversized file without reading it, and stops at the file cap', async () => {
    const dir = mkdtempSync(join(base, 'files-'));
    writeFileSync(join(dir, 'big.bin'), '');
    truncateSync(join(dir, 'big.bin'), MAX_FILE_BYTES + 1); // sparse: no 8 MiB write
    expect(await digestNamedFiles(dir, 'cat big.bin')).toEqual([
      { path: join(dir, 'big.bin'), sha256: null, too_large: true },
    ]);
    const many = Array.from({ length: MAX_FILES + 5 }, (_, i) => `f${i}.txt`).join(' ');
    expect(await digestNamedFiles(dir, `touch ${many}`)).toHaveLength(MAX_FILES);
  });

  it('skips options, program names, env assignments, unexpanded variables and directories', async () => {
    const dir = mkdtempSync(join(base, 'words-'));
    writeFileSync(join(dir, 'cat'), 'not the program');
    expect(await digestNamedFiles(dir, `LANG=C cat -n --x=1 $HOME/a.txt "${dir}" && ls .`)).toEqual([]);
  });
});
