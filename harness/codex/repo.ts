// The repository root, from wherever this module runs: from source under vitest (harness/codex/), or compiled
// into dist/harness/codex/ when the benchmark imports it.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

export const REPO_ROOT = [resolve(HERE, '../..'), resolve(HERE, '../../..')].find((dir) =>
  existsSync(join(dir, 'deploy', 'codex', 'install-codex.sh')),
)!;

/** The compiled CLI; callers build before they spawn it. */
export const PROOFLINE_CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
export const INSTALL_CODEX_SCRIPT = join(REPO_ROOT, 'deploy', 'codex', 'install-codex.sh');
export const EXAMPLE_POLICY = join(REPO_ROOT, 'deploy', 'policy', 'example-policy.yaml');
