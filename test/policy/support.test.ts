// The small pieces the classifier rests on: globs, git remote resolution from a real .git/config, and the
// shell word model (quote removal, wrappers, pipes).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { compilePolicy } from '../../policy/engine/compile.js';
import { parsePolicy } from '../../policy/engine/load.js';
import { gitRemoteUrlFromConfig } from '../../policy/externality/git-config.js';
import { globToRegExp, GlobSet } from '../../policy/externality/glob.js';
import { parseCommandLine } from '../../policy/externality/shell.js';

describe('glob', () => {
  it.each([
    ['**/.env', 'path', '/work/app/.env', true],
    ['**/.env', 'path', '.env', true],
    ['~/.aws/**', 'path', '~/.aws/credentials', true],
    ['src/*.ts', 'path', 'src/a/b.ts', false],
    ['src/**/*.ts', 'path', 'src/a/b.ts', true],
    ['file?.txt', 'path', 'file1.txt', true],
    ['[ab].txt', 'path', 'c.txt', false],
    ['*.acme.internal', 'text', 'a.b.acme.internal', true],
    ['*.acme.internal', 'text', 'acme.internal', false],
    ['git push *', 'text', 'git push origin https://x/y', true],
    ['a+b(c)', 'text', 'a+b(c)', true],
  ] as const)('%s (%s) vs %s → %s', (glob, mode, subject, expected) => {
    expect(globToRegExp(glob, mode).test(subject)).toBe(expected);
  });

  it('a set mixes literals and globs', () => {
    const set = new GlobSet(['Bash', 'mcp__*'], 'text');
    expect([set.matches('Bash'), set.matches('mcp__x__y'), set.matches('Read'), set.isLiteral]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('git remote from the repository config', () => {
  const repo = mkdtempSync(join(tmpdir(), 'proofline-git-'));
  mkdirSync(join(repo, '.git'));
  mkdirSync(join(repo, 'src', 'deep'), { recursive: true });
  writeFileSync(
    join(repo, '.git', 'config'),
    '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:acme/app.git\n[remote "mirror"]\n\turl = https://example.com/x.git\n\tpushurl = https://github.com/other/x.git\n',
  );

  it('resolves names from a subdirectory, prefers pushurl, defaults to origin', () => {
    expect(gitRemoteUrlFromConfig(join(repo, 'src', 'deep'), undefined)).toBe('git@github.com:acme/app.git');
    expect(gitRemoteUrlFromConfig(repo, 'mirror')).toBe('https://github.com/other/x.git');
    expect(gitRemoteUrlFromConfig(repo, 'nope')).toBeUndefined();
  });

  it('decides a push by the URL the config holds', () => {
    const guard = compilePolicy(
      parsePolicy(
        'version: 1\nowned: { git_orgs: [acme] }\nrules:\n  - { id: unowned, modality: prohibit, when: { destination_ownership: [unowned] } }\n',
      ),
    );
    const request = (command: string) => ({
      runtime_family: 'tool_hook' as const,
      session_id: 's',
      tool_name: 'Bash',
      tool_input: { command },
      cwd: repo,
    });
    expect(guard.decide(request('git push origin main')).route).toBe('allow');
    expect(guard.decide(request('git push mirror main')).route).toBe('block');
  });

  it('follows a worktree `.git` file to the common git dir', () => {
    const worktree = mkdtempSync(join(tmpdir(), 'proofline-wt-'));
    const gitDir = join(repo, '.git', 'worktrees', 'wt');
    mkdirSync(gitDir, { recursive: true });
    writeFileSync(join(gitDir, 'commondir'), '../..\n');
    writeFileSync(join(worktree, '.git'), `gitdir: ${gitDir}\n`);
    expect(gitRemoteUrlFromConfig(worktree, 'origin')).toBe('git@github.com:acme/app.git');
  });
});

describe('shell words', () => {
  it('removes quotes and escapes the way the shell does', () => {
    const [command] = parseCommandLine(`printf '%s' "a \\"b\\" $X" c\\ d $'e\\tf'`);
    expect(command?.argv.map((word) => [word.text, word.literal])).toEqual([
      ['printf', true],
      ['%s', true],
      ['a "b" $X', false],
      ['c d', true],
      ['e\tf', true],
    ]);
  });

  it('peels wrappers and keeps their names and env assignments', () => {
    const [command] = parseCommandLine('A=1 sudo -u ci env B=2 timeout -s KILL 30 nice -n 5 git push');
    expect(command?.argv.map((word) => word.text)).toEqual(['git', 'push']);
    expect(command?.wrappers).toEqual(['sudo', 'env', 'timeout', 'nice']);
    expect(Object.keys(command?.assignments ?? {}).sort()).toEqual(['A', 'B']);
  });

  it('records what a pipeline stage reads from', () => {
    const commands = parseCommandLine('curl -s https://x | tee log | bash');
    expect(commands.map((command) => [command.argv[0]?.text, command.pipedFrom])).toEqual([
      ['curl', []],
      ['tee', ['curl']],
      ['bash', ['curl', 'tee']],
    ]);
  });

  it.each([
    'ls -la',
    'git push origin main',
    'A=1 B=x=y npm publish --access public',
    'sudo -u ci env X=1 timeout 30 kubectl --context prod apply -f deploy.yaml',
    'cat ~/.aws/credentials',
    'bash -c ls',
    'terraform apply -auto-approve',
  ])("a plain line split directly equals the parser's reading: %s", (line) => {
    // A trailing `;` is not plain, so it sends the same command through mvdan-sh.
    expect(parseCommandLine(line)).toEqual(parseCommandLine(`${line} ;`));
  });

  it('recurses into bash -c, and marks a dynamic script opaque', () => {
    expect(parseCommandLine(`bash -c 'cd x && git push'`).map((command) => command.argv[0]?.text)).toEqual([
      'bash',
      'cd',
      'git',
    ]);
    expect(parseCommandLine('bash -c "$SCRIPT"')[0]?.opaque).toBe(true);
    expect(parseCommandLine('bash deploy.sh')[0]?.opaque).toBe(true);
  });
});
