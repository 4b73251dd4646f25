// `proofline doctor` recommends the confined configuration (issue 12.6): it passes Codex's workspace-write
// sandbox with the network off and says what is lost, and what to write instead, for every other one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runDoctor } from '../../service/codex-doctor.js';

async function confinementCheck(configToml: string) {
  const home = mkdtempSync(join(tmpdir(), 'proofline-doctor-confinement-'));
  writeFileSync(join(home, 'config.toml'), configToml);
  const checks = await runDoctor({ codexHome: home, codex: join(home, 'no-codex-here') });
  return checks.find((c) => c.what === 'confinement')!;
}

describe('proofline doctor: confinement', () => {
  it.each([
    ['sandbox_mode = "workspace-write"\n'],
    ['sandbox_mode = "workspace-write"\n[sandbox_workspace_write]\nnetwork_access = false\n'],
    ['sandbox_mode = "read-only"\n'],
  ])('passes %j', async (config) => {
    expect((await confinementCheck(config)).status).toBe('PASS');
  });

  it.each([
    ['sandbox_mode = "danger-full-access"\n', /recorded as advisory/],
    [
      'sandbox_mode = "workspace-write"\n[sandbox_workspace_write]\nnetwork_access = true\n',
      /reach the network/,
    ],
    ['approval_policy = "never"\n', /per project/],
  ])('recommends the confined configuration over %j', async (config, why) => {
    const check = await confinementCheck(config);
    expect(check.status).toBe('NOTE');
    expect(check.detail).toMatch(why);
    expect(check.detail).toMatch(
      /recommended: sandbox_mode = "workspace-write" with \[sandbox_workspace_write\] network_access = false/,
    );
  });
});
