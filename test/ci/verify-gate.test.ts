// The CI recipe, run for real on the demo's bundles: deploy/ci/verify-gate.sh's exit codes (pass, a failed
// check, completeness below the threshold, usage) and its JUnit report; the GitHub Actions workflow checked by
// actionlint (with ShellCheck on its scripts) and its verify step's command run as the runner would run it;
// the gate script and the hook client pass ShellCheck.
import { generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
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
import { parse as parseYaml } from 'yaml';

import { publicKeyEntry, type PublicKeySet } from '../../schemas/keys.js';
import { CLI, ROOT } from '../hook/support.js';
import { runProcess } from '../support/run-process.js';
import { actionlintBinary, shellcheckDir } from './tools.js';

const GATE = join(ROOT, 'deploy/ci/verify-gate.sh');
const WORKFLOW = join(ROOT, 'deploy/ci/github-actions.yml');

/** In the test's directory and environment unless told otherwise. */
const run = (command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runProcess(command, args, { cwd: options.cwd ?? dir, env: options.env ?? env() });

let dir: string;
let data: string;
let keys: string;
let shim: string;
/** The caller's environment without PROOFLINE_* variables, `proofline` on PATH (the built CLI), plus `extra`. */
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PROOFLINE_'))),
  PATH: `${shim}:${process.env.PATH}`,
  ...extra,
});
const gate = (args: string[], extra: Record<string, string> = {}) =>
  run('/bin/sh', [GATE, ...args], { env: env(extra) });
const junit = (file: string) => readFileSync(join(dir, file), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'proofline-ci-'));
  shim = join(dir, 'bin');
  mkdirSync(shim);
  writeFileSync(join(shim, 'proofline'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(shim, 'proofline'), 0o755);
  data = join(dir, 'data');
  const demo = await run(process.execPath, [CLI, 'demo', '--data', data]);
  expect(demo.code, demo.stderr).toBe(0);
  // The trusted keys as a CI job has them: a copy kept apart from the bundles.
  keys = join(dir, 'trusted-keys.json');
  writeFileSync(keys, readFileSync(join(data, 'keys', 'public-keys.json')));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy/ci/verify-gate.sh', () => {
  it('passes the demo data: exit 0, a JUnit report with every check, a one-line verdict', async () => {
    const result = await gate(['--keys', keys, '--min-completeness', '0.5', '--junit', 'pass.xml', data]);
    expect(result.code, result.stderr).toBe(0);
    const report = junit('pass.xml');
    const tests = Number(/<testsuites [^>]*tests="(\d+)" failures="0"/.exec(report)?.[1]);
    expect(tests).toBeGreaterThan(100);
    expect(report.match(/<testcase /g)).toHaveLength(tests);
    expect(result.stdout).toBe(
      `proofline verify: PASS (${tests} checks, 0 failed; exit 0); JUnit report in pass.xml\n`,
    );
  });

  it('exits 3 below the completeness threshold, naming the failed case', async () => {
    const result = await gate(['--keys', keys, '--min-completeness', '1', '--junit', 'low.xml', data]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(
      /^proofline verify: FAIL: completeness below 1 \(\d+ checks, 1 failed; exit 3\)/,
    );
    expect(result.stdout).toMatch(/^ {2}failed: overall completeness ≥ 1 \(completeness\)$/m);
    expect(junit('low.xml')).toMatch(
      /<failure type="[^"]*" message="mean ρ [\d.]+ against a threshold of 1"/,
    );
  });

  it('exits 1 on a tampered bundle, and on keys that are not the producer’s', async () => {
    // The export holds one file per bundle (the data directory keeps them in segments).
    const tampered = join(dir, 'tampered');
    const exported = await run(process.execPath, [CLI, 'export', '--data', data, '--out', tampered]);
    expect(exported.code, exported.stderr).toBe(0);
    const session = readdirSync(join(tampered, 'bundles'))[0]!;
    const bundle = readdirSync(join(tampered, 'bundles', session)).find((f) => f !== 'seal.dsse.json')!;
    const file = join(tampered, 'bundles', session, bundle);
    const envelope = JSON.parse(readFileSync(file, 'utf8')) as { payload: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicate: { summary: { route: string } };
    };
    const { summary } = statement.predicate;
    summary.route = summary.route === 'allow' ? 'block' : 'allow';
    writeFileSync(
      file,
      JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') }),
    );
    const result = await gate([
      '--keys',
      keys,
      '--min-completeness',
      '0',
      '--junit',
      'tampered.xml',
      tampered,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^ {2}failed: signature \\(.*${bundle}\\)$`, 'm'));

    const strangers = join(dir, 'stranger-keys.json');
    const stranger = generateKeyPairSync('ed25519')
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const set: PublicKeySet = { keys: [publicKeyEntry(stranger)] };
    writeFileSync(strangers, JSON.stringify(set));
    const wrongKeys = await gate([
      '--keys',
      strangers,
      '--min-completeness',
      '0',
      '--junit',
      'wrong.xml',
      data,
    ]);
    expect(wrongKeys.code).toBe(1);
    expect(junit('wrong.xml')).toMatch(/name="signature">\s*<failure/);
  });

  it('takes its settings from PROOFLINE_* variables, the report to proofline-junit.xml by default', async () => {
    rmSync(join(dir, 'proofline-junit.xml'), { force: true });
    const result = await gate([data], { PROOFLINE_KEYS: keys, PROOFLINE_MIN_COMPLETENESS: '0.5' });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(dir, 'proofline-junit.xml'))).toBe(true);
    // Without a threshold the gate applies 0.95: it passes exactly when the mean ρ reaches it.
    const json = await run(process.execPath, [CLI, 'verify', data, '--keys', keys, '--format', 'json']);
    const meanRho = (JSON.parse(json.stdout) as { completeness: { overall: { mean_rho: number } } })
      .completeness.overall.mean_rho;
    const strict = await gate([data], { PROOFLINE_KEYS: keys });
    expect(strict.code).toBe(meanRho >= 0.95 ? 0 : 3);
  });

  it.each([
    ['no key set', ['DATA'], /a trusted key set is required \(--keys or PROOFLINE_KEYS\)/],
    [
      'a key set that is not there',
      ['--keys', '/nonexistent/keys.json', 'DATA'],
      /the key set \/nonexistent\/keys\.json is missing/,
    ],
    ['no bundles named', ['--keys', 'KEYS'], /name the bundles to verify/],
    ['an unknown option', ['--keyz', 'x', 'DATA'], /unknown option --keyz/],
  ])('exits 2 on %s', async (_, args, problem) => {
    const result = await gate((args as string[]).map((a) => (a === 'KEYS' ? keys : a === 'DATA' ? data : a)));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(problem);
  });

  it('exits 2 when proofline cannot run, and passes proofline’s usage errors through', async () => {
    const missing = await gate(['--keys', keys, data], { PROOFLINE_BIN: 'no-such-proofline' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot run no-such-proofline/);
    const badThreshold = await gate(['--keys', keys, '--min-completeness', 'most', data]);
    expect(badThreshold.code).toBe(2);
    expect(badThreshold.stdout).toMatch(/ERROR: proofline verify could not run/);
  });

  it('passes ShellCheck, as do verify-dsse.sh and the hook client', async () => {
    const shellcheck = join(shellcheckDir(), 'shellcheck');
    for (const script of [GATE, join(ROOT, 'deploy/ci/verify-dsse.sh'), join(ROOT, 'bin/proofline-hook')]) {
      const result = await run(shellcheck, ['--shell=sh', '--severity=style', script]);
      expect(result, script).toMatchObject({ code: 0, stdout: '' });
    }
    // ShellCheck does find problems (the check is not vacuous).
    const sloppy = join(dir, 'sloppy.sh');
    writeFileSync(sloppy, '#!/bin/sh\nfor f in $(ls $1); do echo $f; done\n');
    expect((await run(shellcheck, [sloppy])).code).toBe(1);
  }, 300_000);
});

describe('deploy/ci/github-actions.yml', () => {
  interface Workflow {
    env: Record<string, string>;
    jobs: { verify: { steps: { name?: string; run?: string }[] } };
  }
  const workflow = parseYaml(readFileSync(WORKFLOW, 'utf8')) as Workflow;

  it('passes actionlint, with ShellCheck on its run scripts', async () => {
    const path = `${shellcheckDir()}:${process.env.PATH}`;
    const lint = await run(actionlintBinary(), ['-verbose', WORKFLOW], {
      env: { ...process.env, PATH: path },
    });
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stderr).toMatch(/Found total 0 errors/);
    expect(lint.stderr).not.toMatch(/Rule "shellcheck" was disabled/);
    // actionlint does find problems (the check is not vacuous).
    const broken = join(dir, 'broken.yml');
    writeFileSync(
      broken,
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt }} $X\n',
    );
    expect((await run(actionlintBinary(), [broken], { env: { ...process.env, PATH: path } })).code).toBe(1);
  }, 600_000);

  it('its verify step, run as the runner runs it (bash -e) on an installed proofline, gates the bundles', async () => {
    const step = workflow.jobs.verify.steps.find((s) => s.name === 'Verify the proof bundles')!;
    // `npm root --global` is where `npm install --global proofline` put the package: here, this checkout.
    const globalRoot = join(dir, 'global');
    mkdirSync(globalRoot, { recursive: true });
    if (!existsSync(join(globalRoot, 'proofline'))) symlinkSync(ROOT, join(globalRoot, 'proofline'));
    writeFileSync(join(shim, 'npm'), `#!/bin/sh\n[ "$*" = "root --global" ] && echo "${globalRoot}"\n`);
    chmodSync(join(shim, 'npm'), 0o755);
    const variables = { ...workflow.env, PROOFLINE_BUNDLES: data, PROOFLINE_KEYS: keys };
    const pass = await run('bash', ['-e', '-c', step.run!], {
      env: env({ ...variables, PROOFLINE_MIN_COMPLETENESS: '0.5' }),
    });
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stdout).toMatch(/^proofline verify: PASS/);
    const fail = await run('bash', ['-e', '-c', step.run!], {
      env: env({ ...variables, PROOFLINE_MIN_COMPLETENESS: '1' }),
    });
    expect(fail.code).toBe(3);
    expect(workflow.env).toMatchObject({ PROOFLINE_JUNIT: 'proofline-junit.xml' });
    expect(existsSync(join(dir, workflow.env.PROOFLINE_JUNIT!))).toBe(true);
  });
});
