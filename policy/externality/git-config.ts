// The URL behind a git remote name, read from the repository that holds cwd. `git push origin` names no
// destination; the repo's config does, and that is what decides ownership.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** `remote` undefined: the default push remote (`remote.pushDefault`, else `origin`). */
export function gitRemoteUrlFromConfig(cwd: string, remote: string | undefined): string | undefined {
  const configPath = findGitConfig(cwd);
  if (configPath === undefined) return undefined;
  const config = parseGitConfig(readFileSync(configPath, 'utf8'));
  const name = remote ?? config.get('remote.pushdefault') ?? 'origin';
  return config.get(`remote.${name}.pushurl`) ?? config.get(`remote.${name}.url`);
}

function findGitConfig(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    if (existsSync(dotGit)) {
      if (statSync(dotGit).isDirectory()) return join(dotGit, 'config');
      // A worktree or submodule: `.git` is a file pointing at the real git dir.
      const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
      if (pointer === undefined) return undefined;
      const gitDir = resolve(dir, pointer);
      const common = join(gitDir, 'commondir');
      const configDir = existsSync(common) ? resolve(gitDir, readFileSync(common, 'utf8').trim()) : gitDir;
      return join(configDir, 'config');
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** `section.subsection.key` (section and key lower-cased, as git compares them) → first value. */
export function parseGitConfig(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (header) {
      section =
        header[2] === undefined
          ? (header[1] ?? '').toLowerCase()
          : `${(header[1] ?? '').toLowerCase()}.${header[2]}`;
      continue;
    }
    const entry = /^([A-Za-z0-9-]+)\s*(?:=\s*(.*))?$/.exec(line);
    if (!entry) continue;
    const key = `${section}.${(entry[1] ?? '').toLowerCase()}`;
    const value = (entry[2] ?? 'true').replace(/^"(.*)"$/, '$1');
    if (!values.has(key)) values.set(key, value);
  }
  return values;
}
