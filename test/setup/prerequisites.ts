// Vitest global setup: what the tests need from outside npm, installed on first use the way the Kafka broker,
// the Collector and Codex are (each by its own script), so `npm test` works on a fresh machine:
// - the independent Python checks' packages (test/interop/requirements.txt), into a cache outside the repo
//   that PYTHONPATH then points at, leaving the system's Python alone;
// - Debian's kcat (an independent Kafka client), chromium (the HTML report's browser), jq and openssl (the
//   generic DSSE check, deploy/ci/verify-dsse.sh), when missing and
//   apt-get can run (root); otherwise the tests that need them fail saying what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

const REQUIREMENTS = new URL('../interop/requirements.txt', import.meta.url).pathname;

function ensurePythonPackages(): void {
  const digest = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex').slice(0, 12);
  const target = join(
    process.env.PROOFLINE_CACHE ?? join(homedir(), '.cache', 'proofline'),
    `python-${digest}`,
  );
  if (!existsSync(join(target, '.complete'))) {
    execFileSync(
      'python3',
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--target',
        target,
        '-r',
        REQUIREMENTS,
      ],
      {
        stdio: 'inherit',
      },
    );
    execFileSync('touch', [join(target, '.complete')]);
  }
  process.env.PYTHONPATH = [target, process.env.PYTHONPATH].filter(Boolean).join(delimiter);
}

function ensureDebianPackages(wanted: Record<string, string>): void {
  const missing = Object.entries(wanted).filter(
    ([command]) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0,
  );
  if (missing.length === 0 || process.getuid?.() !== 0) return;
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing.map(([, pkg]) => pkg)], { stdio: 'ignore' });
}

export default function setup(): void {
  ensurePythonPackages();
  ensureDebianPackages({ kcat: 'kcat', chromium: 'chromium', jq: 'jq', openssl: 'openssl' });
}
