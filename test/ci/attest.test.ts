// `proofline verify --attest`: the verdict as a signed in-toto statement (test-result v0.1), checked with tools
// proofline did not write: deploy/ci/verify-dsse.sh (jq and openssl) on the attestation and on an exported
// bundle, and Python's `cryptography` on the attestation's signature.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Statement } from '../../schemas/bundle.js';
import type { TestResult } from '../../verifier/attest.js';
import { CLI, ROOT } from '../hook/support.js';
import { runProcess, type ProcessRun } from '../support/run-process.js';

const VERIFY_DSSE = join(ROOT, 'deploy/ci/verify-dsse.sh');

const run = (command: string, args: string[]) => runProcess(command, args);
const proofline = (...args: string[]) => run(process.execPath, [CLI, ...args]);

let dir: string;
let data: string;
let keys: string;
let attestKey: string;
let attestPub: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'proofline-attest-'));
  data = join(dir, 'data');
  expect((await proofline('demo', '--data', data)).code).toBe(0);
  keys = join(dir, 'trusted-keys.json');
  writeFileSync(keys, readFileSync(join(data, 'keys', 'public-keys.json')));
  // The CI's own key, made by openssl as a CI would make it.
  attestKey = join(dir, 'ci-key.pem');
  attestPub = join(dir, 'ci-key.pub.pem');
  expect((await run('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', attestKey])).code).toBe(0);
  chmodSync(attestKey, 0o600);
  expect((await run('openssl', ['pkey', '-in', attestKey, '-pubout', '-out', attestPub])).code).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function attest(out: string, ...paths: string[]): Promise<ProcessRun> {
  return proofline('verify', ...paths, '--keys', keys, '--attest', out, '--attest-key', attestKey);
}

describe('proofline verify --attest', () => {
  it('writes a statement over every bundle and seal that jq + openssl verify with the CI key', async () => {
    const out = join(dir, 'pass.intoto.json');
    const verify = await attest(out, data);
    expect(verify.code, verify.stderr).toBe(0);
    const checked = await run('sh', [VERIFY_DSSE, out, attestPub]);
    expect(checked.code, checked.stderr).toBe(0);
    const statement = JSON.parse(checked.stdout) as Statement<TestResult>;
    expect(statement.predicateType).toBe('https://in-toto.io/attestation/test-result/v0.1');
    expect(statement.predicate.result).toBe('PASSED');
    expect(statement.predicate.failedTests).toEqual([]);
    expect(statement.predicate.passedTests).toEqual(expect.arrayContaining(['signature', 'session_seal']));
    expect(statement.predicate.configuration).toEqual([
      {
        name: `--keys ${keys}`,
        digest: { sha256: createHash('sha256').update(readFileSync(keys)).digest('hex') },
      },
    ]);
    // One subject per bundle and seal, by its payload digest, as `verify --format json` lists them.
    const json = JSON.parse((await proofline('verify', data, '--keys', keys, '--format', 'json')).stdout) as {
      checks: Array<{ file: string | null; check_name: string }>;
    };
    const files = new Set(json.checks.filter((c) => c.check_name === 'signature').map((c) => c.file));
    expect(statement.subject.map((s) => s.name).sort()).toEqual([...files].sort());
    for (const subject of statement.subject) expect(subject.digest.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("says FAILED, naming the check, when a bundle was changed; another key's signature does not verify", async () => {
    const exported = join(dir, 'export');
    expect((await proofline('export', '--data', data, '--out', exported)).code).toBe(0);
    const session = readdirSync(join(exported, 'bundles'))[0]!;
    const file = join(exported, 'bundles', session, readdirSync(join(exported, 'bundles', session))[0]!);
    // The export's own files verify with the generic recipe and the producer's key...
    const producerPem = join(dir, 'producer.pem');
    writeFileSync(
      producerPem,
      (JSON.parse(readFileSync(keys, 'utf8')) as { keys: [{ public_key: string }] }).keys[0].public_key,
    );
    expect((await run('sh', [VERIFY_DSSE, file, producerPem])).code).toBe(0);
    // ...and not once changed.
    const envelope = JSON.parse(readFileSync(file, 'utf8')) as { payload: string };
    const payload = Buffer.from(envelope.payload, 'base64').toString('utf8').replace('"allow"', '"block"');
    writeFileSync(file, JSON.stringify({ ...envelope, payload: Buffer.from(payload).toString('base64') }));
    expect((await run('sh', [VERIFY_DSSE, file, producerPem])).code).toBe(1);

    const out = join(dir, 'fail.intoto.json');
    expect((await attest(out, exported)).code).toBe(1);
    const statement = JSON.parse(
      (await run('sh', [VERIFY_DSSE, out, attestPub])).stdout,
    ) as Statement<TestResult>;
    expect(statement.predicate.result).toBe('FAILED');
    expect(statement.predicate.failedTests).toContain('signature');
    expect((await run('sh', [VERIFY_DSSE, out, producerPem])).code).toBe(1);
  });

  it("verifies with Python's cryptography over DSSE's PAE", async () => {
    const out = join(dir, 'py.intoto.json');
    expect((await attest(out, data)).code).toBe(0);
    const script = [
      'import base64, json, sys',
      'from cryptography.hazmat.primitives.serialization import load_pem_public_key',
      'env = json.load(open(sys.argv[1])); key = load_pem_public_key(open(sys.argv[2], "rb").read())',
      'payload = base64.b64decode(env["payload"]); t = env["payloadType"].encode()',
      'pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)',
      'key.verify(base64.b64decode(env["signatures"][0]["sig"]), pae)',
      'print(json.loads(payload)["predicate"]["result"])',
    ].join('\n');
    const checked = await run('python3', ['-c', script, out, attestPub]);
    expect(checked, checked.stderr).toMatchObject({ code: 0, stdout: 'PASSED\n' });
  });

  it('refuses a key others can read and half the options before verifying anything, and a planted link', async () => {
    const open = join(dir, 'open-key.pem');
    writeFileSync(open, readFileSync(attestKey));
    chmodSync(open, 0o644);
    const loose = await proofline(
      'verify',
      data,
      '--keys',
      keys,
      '--attest',
      join(dir, 'x.json'),
      '--attest-key',
      open,
    );
    expect(loose.code).toBe(2);
    expect(loose.stderr).toMatch(/attestation key .* open to others/);
    const half = await proofline('verify', data, '--keys', keys, '--attest', join(dir, 'y.json'));
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--attest and --attest-key go together/);
    const link = join(dir, 'planted.json');
    symlinkSync(join(dir, 'elsewhere.json'), link);
    const planted = await attest(link, data);
    expect(planted.code).toBe(2);
    expect(planted.stderr).toMatch(/symbolic link/);
  });
});
