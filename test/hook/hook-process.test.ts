// End to end: the real `proofline hook` process, fed real Codex stdin captures, against a real fastify server
// running the guard route with a fake (collecting) publisher.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { ALLOW_ALL, parseRuleFile, RuleFileGuard } from '../../policy/rule-file.js';
import { TransportUnavailableError } from '../../schemas/transport.js';
import {
  ensureCliBuilt,
  runHookProcess,
  startGuardServer,
  stdinCaptures,
  type GuardServer,
} from './support.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const captures = stdinCaptures();
const preToolUses = captures.filter((c) => c.event === 'PreToolUse');
const stdinOf = (scenario: string, event: string) =>
  JSON.stringify(captures.find((c) => c.scenario === scenario && c.event === event)!.payload);

const DENY_OUT_TXT = new RuleFileGuard(
  parseRuleFile(
    'version: 1\nrules:\n  - id: writes-out-txt\n    command: "*> out.txt*"\n    decision: deny\n    reason: out.txt is read-only here\n',
    'deny.yaml',
  ),
);

let server: GuardServer;

beforeAll(async () => {
  await ensureCliBuilt();
  server = await startGuardServer(new RuleFileGuard(ALLOW_ALL));
});
afterAll(async () => server?.app.close());
beforeEach(() => {
  server.publisher.observations.length = 0;
  server.publisher.failWith = undefined;
  server.setGuard(new RuleFileGuard(ALLOW_ALL));
});

describe('proofline hook against a live server', () => {
  it.each(preToolUses.map((c) => [c.scenario, c] as const))(
    '%s PreToolUse: allow says nothing, a deny rule blocks',
    async (_, capture) => {
      const stdin = JSON.stringify(capture.payload);
      const allowed = await runHookProcess(stdin, ['--url', server.url]);
      expect(allowed).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(server.publisher.observations.map((o) => [o.kind, o.action_id])).toEqual([
        ['tool_proposed', capture.payload.tool_use_id],
        ['guard_decision', capture.payload.tool_use_id],
        ['assumption', capture.payload.tool_use_id],
      ]);

      server.setGuard(DENY_OUT_TXT);
      const denied = await runHookProcess(stdin, ['--url', server.url]);
      expect(denied.code).toBe(0);
      expect(JSON.parse(denied.stdout)).toEqual({
        hookSpecificOutput: {
          hookEventName: 'PreToolUse',
          permissionDecision: 'deny',
          permissionDecisionReason: 'out.txt is read-only here (proofline rule writes-out-txt)',
        },
      });
      const decision = server.publisher.observations.find(
        (o) => o.kind === 'guard_decision' && o.attrs['proofline.verdict'] === 'deny',
      );
      expect(decision?.attrs['proofline.policy.digest']).toBe(DENY_OUT_TXT.policyDigest);
    },
  );

  it('PermissionRequest: a matching allow rule approves; other events are recorded and never answered', async () => {
    server.setGuard(
      new RuleFileGuard(
        parseRuleFile(
          'version: 1\nrules:\n  - id: echo-ok\n    command: "echo *"\n    decision: allow\n',
          'r',
        ),
      ),
    );
    const approved = await runHookProcess(stdinOf('hook_permission_request_allow', 'PermissionRequest'), [
      '--url',
      server.url,
    ]);
    expect(JSON.parse(approved.stdout).hookSpecificOutput).toEqual({
      hookEventName: 'PermissionRequest',
      decision: { behavior: 'allow' },
    });

    for (const event of ['SessionStart', 'UserPromptSubmit', 'PostToolUse', 'Stop', 'SessionEnd']) {
      expect(await runHookProcess(stdinOf('binary_allow', event), ['--url', server.url])).toEqual({
        code: 0,
        stdout: '',
        stderr: '',
      });
    }
    expect(server.publisher.observations.map((o) => o.kind)).toEqual([
      'approval',
      'session_start',
      'prompt',
      'tool_result',
      'turn_end',
      'session_end',
    ]);
  });

  it('sends the bearer token', async () => {
    server.authorizations.length = 0;
    await runHookProcess(stdinOf('binary_allow', 'SessionStart'), ['--url', server.url, '--token', 's3cret']);
    await runHookProcess(stdinOf('binary_allow', 'SessionStart'), ['--url', server.url]);
    expect(server.authorizations).toEqual(['Bearer s3cret', undefined]);
  });
});

describe('proofline hook when the server cannot decide', () => {
  let deadUrl: string;
  let silent: Server;
  const silentSockets: Socket[] = [];
  let silentUrl: string;

  beforeAll(async () => {
    // A port that was just free: nothing listens there.
    const probe = await startGuardServer(new RuleFileGuard());
    deadUrl = probe.url;
    await probe.app.close();
    // Accepts connections and never answers.
    silent = createServer((socket) => silentSockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const socket of silentSockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  const pre = () => stdinOf('binary_allow', 'PreToolUse');
  const denyReason = (stdout: string) =>
    JSON.parse(stdout).hookSpecificOutput.permissionDecisionReason as string;

  it('server down: PreToolUse and PermissionRequest fail closed, naming the server', async () => {
    const closed = await runHookProcess(pre(), ['--url', deadUrl]);
    expect(closed.code).toBe(0);
    expect(denyReason(closed.stdout)).toContain(`proofline server ${deadUrl} unreachable (ECONNREFUSED)`);
    expect(closed.stderr).toContain(deadUrl);

    const permission = await runHookProcess(stdinOf('hook_permission_request_deny', 'PermissionRequest'), [
      '--url',
      deadUrl,
    ]);
    expect(JSON.parse(permission.stdout).hookSpecificOutput.decision.behavior).toBe('deny');
  });

  it('server down with --fail-open: the call proceeds, with a warning on stderr', async () => {
    const open = await runHookProcess(pre(), ['--url', deadUrl, '--fail-open']);
    expect(open).toMatchObject({ code: 0, stdout: '' });
    expect(open.stderr).toMatch(/unreachable.*--fail-open/);
  });

  it('server down: session events never block and stay silent', async () => {
    expect(await runHookProcess(stdinOf('binary_allow', 'SessionStart'), ['--url', deadUrl])).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
  });

  it('a server that does not answer in time fails closed', async () => {
    const started = Date.now();
    const timedOut = await runHookProcess(pre(), ['--url', silentUrl, '--timeout-ms', '300']);
    expect(denyReason(timedOut.stdout)).toContain('no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a 503 from an unavailable transport fails closed: nothing unrecorded is allowed', async () => {
    server.publisher.failWith = new TransportUnavailableError('store is full', 7);
    const blocked = await runHookProcess(pre(), ['--url', server.url]);
    expect(denyReason(blocked.stdout)).toContain(
      `proofline server ${server.url} answered 503: store is full`,
    );

    const reply = await server.app.inject({
      method: 'POST',
      url: '/v1/guard',
      payload: { hook: JSON.parse(pre()) },
    });
    expect(reply.statusCode).toBe(503);
    expect(reply.headers['retry-after']).toBe('7');
  });

  it('invalid stdin is a non-blocking hook error with one clear line', async () => {
    const bad = await runHookProcess('{"hook_event_name": "PreToolUse",', ['--url', server.url]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^proofline hook: stdin is not valid JSON .*\n$/);
  });

  it('the route rejects a body without a hook event or session with 400 and a reason', async () => {
    for (const payload of [
      { hook: { hook_event_name: 'PreToolUse' } },
      { hook: 'x' },
      { hook: { hook_event_name: 'Stop', session_id: 's' }, context: { files: 3 } },
    ]) {
      const reply = await server.app.inject({ method: 'POST', url: '/v1/guard', payload });
      expect(reply.statusCode).toBe(400);
      expect(reply.json().reason).toMatch(/session_id|JSON object|context/);
    }
    expect(server.publisher.observations).toEqual([]);
  });

  it('a rule file error names the file and line', () => {
    expect(() =>
      parseRuleFile('version: 1\nrules:\n  - id: x\n    decision: block\n', '/etc/proofline/rules.yaml'),
    ).toThrow(/^\/etc\/proofline\/rules\.yaml:4:\d+: rules\.0\.decision: must be one of allow, deny$/);
  });
});

describe('the assumption receipt', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.test', ...args], { cwd: repo })
      .toString()
      .trim();

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'proofline-repo-'));
    mkdirSync(join(repo, 'sub'));
    writeFileSync(join(repo, 'a.txt'), 'alpha\n');
    writeFileSync(join(repo, 'sub', 'run.sh'), '#!/bin/sh\necho run\n');
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  async function assumptionFor(command: string): Promise<Record<string, unknown>> {
    const payload = {
      ...JSON.parse(stdinOf('binary_allow', 'PreToolUse')),
      cwd: join(repo, 'sub'),
      permission_mode: 'default',
      model: 'gpt-test',
      tool_input: { command },
    };
    const run = await runHookProcess(JSON.stringify(payload), ['--url', server.url], join(repo, 'sub'));
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    const assumption = server.publisher.observations.find((o) => o.kind === 'assumption');
    expect(assumption?.attrs['proofline.input.digest']).toBe(sha256(command));
    return assumption!.attrs;
  }

  it('holds cwd, git HEAD, permission mode, model and the digests of the files the command names', async () => {
    const attrs = await assumptionFor('cat ../a.txt && ./run.sh > out.log; ls -la missing.txt hello');
    expect(attrs).toMatchObject({
      'proofline.cwd': join(repo, 'sub'),
      'proofline.git.head': git('rev-parse', 'HEAD'),
      'proofline.permission_mode': 'default',
      'proofline.model': 'gpt-test',
    });
    expect(JSON.parse(attrs['proofline.files'] as string)).toEqual([
      { path: join(repo, 'a.txt'), sha256: sha256('alpha\n') },
      { path: join(repo, 'sub', 'run.sh'), sha256: sha256('#!/bin/sh\necho run\n') },
      { path: join(repo, 'sub', 'out.log'), sha256: null },
      { path: join(repo, 'sub', 'missing.txt'), sha256: null },
    ]);
  });

  it('follows HEAD into packed-refs after the loose ref is gone', async () => {
    git('commit', '-q', '--allow-empty', '-m', 'second');
    git('pack-refs', '--all', '--prune');
    const attrs = await assumptionFor('true');
    expect(attrs['proofline.git.head']).toBe(git('rev-parse', 'HEAD'));
    expect(attrs['proofline.files']).toBe('[]');
  });
});
