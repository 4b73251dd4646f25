// `proofline init codex` and `proofline doctor` on throwaway Codex homes, against a real receiver with a token:
// what init writes (and keeps), what it refuses, that the handlers it writes work as Codex runs them (through
// a shell), and what doctor reports for a healthy home and for each broken link. Trust through the real
// `codex app-server` is covered by test/codex-e2e/.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseRuleFile, RuleFileGuard } from '../../policy/rule-file.js';
import { runDoctor, type Check } from '../../service/codex-doctor.js';
import { CONFIGURED_EVENTS, type HooksFile } from '../../service/codex-config.js';
import { CodexInitError, initCodex } from '../../service/codex-init.js';
import { hookClientPath } from '../../service/hook-client.js';
import { guardRoutes } from '../../ingest/http/guard-route.js';
import { FakePublisher, startReceiver, type RunningReceiver } from '../ingest/helpers.js';
import { CLI, ensureCliBuilt, stdinCaptures } from './support.js';

const TOKEN = 'tok-7f3a';
let server: RunningReceiver;
let root: string;
let count = 0;
const freshHome = () => join(root, `home-${++count}`);
const read = (home: string, file: string) => readFileSync(join(home, file), 'utf8');
const hooksOf = (home: string) => JSON.parse(read(home, 'hooks.json')) as HooksFile;
const summary = (checks: Check[]) => checks.map((c) => `${c.status} ${c.what}`);

beforeAll(async () => {
  // The real receiver (with /healthz and the token check) and the hook routes, as `proofline serve` has them.
  const guard = new RuleFileGuard(
    parseRuleFile('version: 1\nrules:\n  - id: no-rm\n    command: "rm *"\n    decision: deny\n', 'r.yaml'),
  );
  server = await startReceiver({ token: TOKEN }, (app) =>
    app.register(guardRoutes, { guard: () => guard, publisher: new FakePublisher(), storeContent: false }),
  );
  root = mkdtempSync(join(tmpdir(), 'proofline-init-'));
});
afterAll(async () => {
  await server?.app.close();
  rmSync(root, { recursive: true, force: true });
});

describe('proofline init codex', () => {
  it('writes one handler per event with the absolute client path, a 0600 header file and [otel] with the token', async () => {
    const home = freshHome();
    const lines = await initCodex({ codexHome: home, url: server.url, token: TOKEN, force: false });
    expect(lines[0]).toMatch(/hooks\.json: wrote 12 events → \//);
    const hooks = hooksOf(home).hooks;
    expect(Object.keys(hooks)).toEqual([...CONFIGURED_EVENTS]);
    const headerFile = join(home, 'proofline-hook.headers');
    for (const event of CONFIGURED_EVENTS) {
      expect(hooks[event]).toEqual([
        {
          ...(['PreToolUse', 'PermissionRequest', 'PostToolUse'].includes(event) ? { matcher: '*' } : {}),
          hooks: [
            {
              type: 'command',
              command: `${hookClientPath()} ${event} ${server.url} ${headerFile}`,
              timeout: ['SessionEnd', 'Interrupt'].includes(event) ? 3 : 10,
            },
          ],
        },
      ]);
    }
    expect(read(home, 'proofline-hook.headers')).toBe(`Authorization: Bearer ${TOKEN}\n`);
    expect(statSync(headerFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'config.toml')).mode & 0o777).toBe(0o600);
    expect(parseToml(read(home, 'config.toml')).otel).toEqual({
      exporter: {
        'otlp-http': {
          endpoint: `${server.url}/v1/logs`,
          protocol: 'binary',
          headers: { authorization: `Bearer ${TOKEN}` },
        },
      },
      trace_exporter: {
        'otlp-http': {
          endpoint: `${server.url}/v1/traces`,
          protocol: 'binary',
          headers: { authorization: `Bearer ${TOKEN}` },
        },
      },
      metrics_exporter: 'none',
    });
  });

  it('keeps config.toml byte for byte and other hooks as they are; a second run changes nothing', async () => {
    const home = freshHome();
    mkdirSync(home);
    const config = '# my settings\nmodel = "o3"\n\n[features]\nplugins = false # no marketplace\n';
    const mine = { hooks: [{ type: 'command', command: '/usr/local/bin/my-audit', timeout: 5 }] };
    writeFileSync(join(home, 'config.toml'), config);
    writeFileSync(join(home, 'hooks.json'), JSON.stringify({ hooks: { Stop: [mine] } }));
    await initCodex({ codexHome: home, url: server.url, force: false });
    expect(read(home, 'config.toml').startsWith(config)).toBe(true);
    expect(hooksOf(home).hooks.Stop).toEqual([mine, expect.objectContaining({ hooks: expect.any(Array) })]);
    const before = [read(home, 'config.toml'), read(home, 'hooks.json')];
    const again = await initCodex({ codexHome: home, url: server.url, force: false });
    expect(again[0]).toMatch(/unchanged/);
    expect(again[2]).toMatch(/already points at proofline/);
    expect([read(home, 'config.toml'), read(home, 'hooks.json')]).toEqual(before);
  });

  it('refuses a different [otel] or differently configured proofline hooks without --force, writing nothing', async () => {
    const home = freshHome();
    await initCodex({ codexHome: home, url: server.url, force: false });
    const before = [read(home, 'config.toml'), read(home, 'hooks.json')];
    const elsewhere = initCodex({ codexHome: home, url: 'http://127.0.0.1:1', force: false });
    await expect(elsewhere).rejects.toBeInstanceOf(CodexInitError);
    await expect(elsewhere).rejects.toThrow(/--force/);
    expect([read(home, 'config.toml'), read(home, 'hooks.json')]).toEqual(before);

    await initCodex({ codexHome: home, url: 'http://127.0.0.1:1', force: true });
    expect(hooksOf(home).hooks.PreToolUse).toHaveLength(1);
    expect(hooksOf(home).hooks.PreToolUse![0]!.hooks[0]!.command).toContain(' http://127.0.0.1:1 ');
    expect(read(home, 'config.toml')).toContain('http://127.0.0.1:1/v1/logs');
  });

  it('with a Collector in front, exports OTLP there and still points the hooks at proofline', async () => {
    const home = freshHome();
    await initCodex({ codexHome: home, url: server.url, otlpUrl: 'http://127.0.0.1:14318/', force: false });
    expect(read(home, 'config.toml')).toContain('endpoint = "http://127.0.0.1:14318/v1/traces"');
    expect(hooksOf(home).hooks.PreToolUse![0]!.hooks[0]!.command).toContain(` ${server.url} `);
    const checks = await runDoctor({ codexHome: home });
    expect(checks.find((c) => c.what === '[otel] exporter')).toMatchObject({
      status: 'NOTE',
      detail: /Collector/,
    });
    await expect(initCodex({ codexHome: freshHome(), url: 'ftp://x', force: false })).rejects.toThrow(
      /--url must be an http\(s\) URL/,
    );
  });

  it('replaces an old `proofline hook` handler only with --force', async () => {
    const home = freshHome();
    await initCodex({ codexHome: home, url: server.url, force: false });
    const old = { hooks: [{ type: 'command', command: 'npx --no-install proofline hook', timeout: 10 }] };
    writeFileSync(
      join(home, 'hooks.json'),
      JSON.stringify({ hooks: { PreToolUse: [{ matcher: '*', ...old }] } }),
    );
    await expect(initCodex({ codexHome: home, url: server.url, force: false })).rejects.toThrow(/--force/);
    await initCodex({ codexHome: home, url: server.url, force: true });
    expect(JSON.stringify(hooksOf(home))).not.toContain('npx');
  });

  it('writes handlers that work as Codex runs them: through a shell, with the token', async () => {
    const home = freshHome();
    await initCodex({ codexHome: home, url: server.url, token: TOKEN, force: false });
    const command = hooksOf(home).hooks.PreToolUse![0]!.hooks[0]!.command;
    const pre = stdinCaptures().find(
      (c) => c.scenario === 'binary_allow' && c.event === 'PreToolUse',
    )!.payload;
    const run = (cmd: string) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile('/bin/sh', ['-c', command], (error, stdout) =>
          error ? reject(error) : resolve(stdout),
        );
        child.stdin!.end(JSON.stringify({ ...pre, tool_input: { command: cmd } }));
      });
    expect(await run('ls')).toBe('');
    expect(JSON.parse(await run('rm -rf build')).hookSpecificOutput.permissionDecision).toBe('deny');
  });
});

describe('proofline doctor', () => {
  it('passes a home init wrote, against the live server with its token; trust it cannot tell without codex', async () => {
    const home = freshHome();
    await initCodex({ codexHome: home, url: server.url, token: TOKEN, force: false });
    const checks = await runDoctor({ codexHome: home, codex: join(root, 'no-codex-here') });
    expect(summary(checks)).toEqual([
      'PASS PreToolUse hook',
      'PASS PermissionRequest hook',
      'PASS curl',
      'FAIL trust',
      'PASS [otel] exporter',
      'PASS [otel] trace_exporter',
      'PASS server',
      'PASS hook token',
      'PASS [otel] token',
      'NOTE confinement',
    ]);
    expect(checks.find((c) => c.what === 'trust')?.detail).toMatch(/cannot run/);
  });

  it('fails each broken link: wrong token, loose header file, server down, old hook, no hooks at all', async () => {
    const home = freshHome();
    await initCodex({ codexHome: home, url: server.url, token: 'wrong', force: false });
    const wrong = await runDoctor({ codexHome: home });
    expect(wrong.find((c) => c.what === 'hook token')).toMatchObject({ status: 'FAIL', detail: /401/ });
    expect(wrong.find((c) => c.what === '[otel] token')).toMatchObject({ status: 'FAIL' });

    chmodSync(join(home, 'proofline-hook.headers'), 0o644);
    expect((await runDoctor({ codexHome: home })).find((c) => c.what === 'PreToolUse hook')).toMatchObject({
      status: 'FAIL',
      detail: /readable by others/,
    });

    const down = freshHome();
    await initCodex({ codexHome: down, url: 'http://127.0.0.1:1', force: false });
    expect((await runDoctor({ codexHome: down })).find((c) => c.what === 'server')?.status).toBe('FAIL');

    const old = freshHome();
    await initCodex({ codexHome: old, url: server.url, force: false });
    writeFileSync(
      join(old, 'hooks.json'),
      JSON.stringify({
        hooks: { PreToolUse: [{ hooks: [{ type: 'command', command: 'proofline hook' }] }] },
      }),
    );
    const oldChecks = await runDoctor({ codexHome: old });
    expect(oldChecks.find((c) => c.what === 'PreToolUse hook')).toMatchObject({
      status: 'FAIL',
      detail: /old Node hook/,
    });
    expect(oldChecks.find((c) => c.what === 'PermissionRequest hook')?.status).toBe('FAIL');

    const empty = freshHome();
    const none = await runDoctor({ codexHome: empty });
    expect(none.filter((c) => c.status === 'FAIL').map((c) => c.what)).toEqual(
      expect.arrayContaining(['hooks.json', 'PreToolUse hook', 'PermissionRequest hook']),
    );
  });

  it('exits 1 from the CLI on any FAIL, printing one line per check', async () => {
    await ensureCliBuilt();
    const home = freshHome();
    await initCodex({ codexHome: home, url: 'http://127.0.0.1:1', force: false });
    const cli = await promisify(execFile)(process.execPath, [CLI, 'doctor', '--codex-home', home]).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/^FAIL server: http:\/\/127\.0\.0\.1:1\/healthz does not answer$/m);
    expect(
      cli.stdout
        .split('\n')
        .filter(Boolean)
        .every((line) => /^(PASS|FAIL|SKIP|NOTE) /.test(line)),
    ).toBe(true);
  });
});
