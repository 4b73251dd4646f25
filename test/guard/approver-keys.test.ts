// Approver keys and the approvers file through the real CLI: `proofline keygen --approver` writes the private
// key encrypted (0600) and the entry to register; the passphrase comes from the terminal, never from stdin (an
// agent can pipe stdin); `serve --approvers` refuses to start on a bad file, saying why.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { readApproverKey } from '../../ingest/guard/approve-command.js';
import { readApproversFile } from '../../schemas/approvers.js';
import { CLI } from '../hook/support.js';
import { makeApprover, TEST_PASSPHRASE } from './approver.js';
import { ensureCliBuilt, runCli } from './support.js';

/** The CLI in a new session without a controlling terminal (setsid), `stdin` piped in, as an agent would. */
function runDetached(
  args: string[],
  stdin: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('setsid', ['-w', process.execPath, CLI, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

beforeAll(async () => {
  await ensureCliBuilt();
});

describe('proofline keygen --approver', () => {
  it('writes the private key encrypted, mode 0600, and the entry to register', async () => {
    const approver = await makeApprover('dana@acme.dev');
    const pem = readFileSync(approver.keyFile, 'utf8');
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(statSync(approver.keyFile).mode & 0o777).toBe(0o600);
    await expect(readApproverKey(approver.keyFile, 'not the passphrase')).rejects.toMatchObject({
      code: 'APPROVER_KEY_UNUSABLE',
    });
    expect((await readApproverKey(approver.keyFile, TEST_PASSPHRASE)).asymmetricKeyType).toBe('ed25519');
    const registered = readApproversFile(approver.approversFile);
    expect([...registered.values()].map((a) => [a.name, a.keyid])).toEqual([
      ['dana@acme.dev', approver.keyid],
    ]);
  });

  it('reads the passphrase from the terminal only: piped stdin is not a passphrase', async () => {
    const out = mkdtempSync(join(tmpdir(), 'proofline-approver-'));
    const run = await runDetached(
      ['keygen', '--approver', 'eve', '--out', out],
      `${TEST_PASSPHRASE}\n${TEST_PASSPHRASE}\n`,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no terminal to read the passphrase from .*--passphrase-file/);
  });

  it('refuses a short passphrase and a name that is not one', async () => {
    const out = mkdtempSync(join(tmpdir(), 'proofline-approver-'));
    const short = join(out, 'short');
    writeFileSync(short, 'hunter2\n');
    const weak = await runCli(['keygen', '--approver', 'eve', '--out', out, '--passphrase-file', short]);
    expect(weak).toMatchObject({ code: 2, stderr: expect.stringMatching(/at least 12 characters/) });
    const strong = join(out, 'strong');
    writeFileSync(strong, `${TEST_PASSPHRASE}\n`);
    const badName = await runCli([
      'keygen',
      '--approver',
      'eve; rm -rf /',
      '--out',
      out,
      '--passphrase-file',
      strong,
    ]);
    expect(badName).toMatchObject({ code: 2, stderr: expect.stringMatching(/approver name/) });
  });
});

describe('serve --approvers', () => {
  it.each([
    ['a missing file', null, /cannot read \(ENOENT\)/],
    ['not JSON', 'approvers:', /not JSON/],
    ['no approvers list', '{"keys": []}', /expected \{"approvers"/],
    ['a keyid that is not its key', 'KEYID', /keyid is not sha256 of its SPKI public key/],
  ])('fails the start on %s, naming the file', async (_, content, problem) => {
    const dir = mkdtempSync(join(tmpdir(), 'proofline-approvers-bad-'));
    const file = join(dir, 'approvers.json');
    if (content === 'KEYID') {
      const { entry } = await makeApprover('alice');
      writeFileSync(file, JSON.stringify({ approvers: [{ ...entry, keyid: '0'.repeat(64) }] }));
    } else if (content !== null) writeFileSync(file, content);
    const run = await runCli([
      'serve',
      '--port',
      '0',
      '--token',
      'a-token',
      '--data',
      join(dir, 'data'),
      '--approvers',
      file,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`approvers file ${file}:`);
    expect(run.stderr).toMatch(problem);
    // Refused before anything started: no data directory was made.
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});
