// deploy/systemd/proofline.service, judged by systemd itself: `systemd-analyze verify` must accept it with no
// warning at all (an unknown or misspelt option is only a warning there, so stderr must be empty), and
// `systemd-analyze security --offline` must rate it well: its own user, no capabilities, a read-only system.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const UNIT = fileURLToPath(new URL('../../deploy/systemd/proofline.service', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** The unit as installed, with ExecStart pointing at this checkout's CLI (systemd checks it exists). */
async function installedCopy(): Promise<string> {
  const unit = (await readFile(UNIT, 'utf8')).replace('/usr/bin/proofline', `${process.execPath} ${CLI}`);
  const path = join(await mkdtemp(join(tmpdir(), 'proofline-unit-')), 'proofline.service');
  await writeFile(path, unit);
  return path;
}

describe('the systemd unit', () => {
  it('runs proofline serve as its own user, with a private state directory and a witness outside it', async () => {
    const unit = await readFile(UNIT, 'utf8');
    expect(unit).toMatch(/^User=proofline$/m);
    expect(unit).toMatch(/^StateDirectoryMode=0700$/m);
    expect(unit).toMatch(/^UMask=0077$/m);
    expect(unit).toMatch(/--data \/var\/lib\/proofline --witness \/var\/log\/proofline-witness/);
    expect(unit).not.toMatch(/allow-insecure-key/);
  });

  it('passes systemd-analyze verify without a single warning', async () => {
    const { stdout, stderr } = await run('systemd-analyze', ['verify', await installedCopy()]);
    expect(stderr).toBe('');
    expect(stdout).toBe('');
  });

  it('is rated OK by systemd-analyze security', async () => {
    const { stdout } = await run('systemd-analyze', ['security', '--offline=true', await installedCopy()]);
    const exposure = Number(/Overall exposure level for proofline\.service: ([\d.]+)/.exec(stdout)?.[1]);
    expect(exposure).toBeLessThanOrEqual(2);
  });
});
