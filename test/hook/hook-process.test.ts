// End to end: the real hook client (bin/proofline-hook under dash and bash), fed real Codex stdin captures,
// against a real fastify server running the hook routes with a fake (collecting) publisher.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { ALLOW_ALL, parseRuleFile, RuleFileGuard } from '../../policy/rule-file.js';
import { TransportUnavailableError } from '../../schemas/transport.js';
import {
  headerFile,
  runClient,
  SHELLS,
  startGuardServer,
  stdinCaptures,
  type GuardServer,
} from './support.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const captures = stdinCaptures();
const preToolUses = captures.filter((c) => c.event === 'PreToolUse');
const stdinOf = (scenario: string, event: string) =>
  JSON.stringify(captures.find((c) => c.scenario === scenario && c.event === event)!.payload);

// Matches every captured command (not all of them write out.txt any more: exec_failures, sandbox_*).
const DENY_OUT_TXT = new RuleFileGuard(
  parseRuleFile(
    'version: 1\nrules:\n  - id: writes-out-txt\n    command: "*"\n    decision: deny\n    reason: out.txt is read-only here\n',
    'deny.yaml',
  ),
);

let server: GuardServer;
let dir: string;
let noToken: string;

beforeAll(async () => {
  server = await startGuardServer(new RuleFileGuard(ALLOW_ALL));
  dir = mkdtempSync(join(tmpdir(), 'proofline-hook-test-'));
  noToken = await headerFile(dir);
});
afterAll(async () => {
  await server?.app.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.publisher.observations.length = 0;
  server.publisher.failWith = undefined;
  server.setGuard(new RuleFileGuard(ALLOW_ALL));
});

describe.each(SHELLS)('the hook client under %s against a live server', (shell) => {
  const run = (event: string, stdin: string, cwd?: string) =>
    runClient(shell, event, stdin, { url: server.url, headerFile: noToken, cwd });

  it.each(preToolUses.map((c) => [c.scenario, c] as const))(
    '%s PreToolUse: allow says nothing, a deny rule blocks',
    async (_, capture) => {
      const stdin = JSON.stringify(capture.payload);
      expect(await run('PreToolUse', stdin)).toEqual({ exitCode: 0, stdout: '', stderr: '' });
      expect(server.publisher.observations.map((o) => [o.kind, o.action_id])).toEqual([
        ['tool_proposed', capture.payload.tool_use_id],
        ['guard_decision', capture.payload.tool_use_id],
        ['assumption', capture.payload.tool_use_id],
      ]);

      server.setGuard(DENY_OUT_TXT);
      const denied = await run('PreToolUse', stdin);
      expect(denied.exitCode).toBe(0);
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
    const approved = await run(
      'PermissionRequest',
      stdinOf('hook_permission_request_allow', 'PermissionRequest'),
    );
    expect(JSON.parse(approved.stdout).hookSpecificOutput).toEqual({
      hookEventName: 'PermissionRequest',
      decision: { behavior: 'allow' },
    });
    for (const event of ['SessionStart', 'UserPromptSubmit', 'PostToolUse', 'Stop', 'SessionEnd'])
      expect(await run(event, stdinOf('binary_allow', event))).toEqual({
        exitCode: 0,
        stdout: '',
        stderr: '',
      });
    expect(server.publisher.observations.map((o) => o.kind)).toEqual([
      'approval',
      'session_start',
      'prompt',
      'tool_result',
      'turn_end',
      'session_end',
    ]);
  });
});

describe('the bearer token', () => {
  let guarded: GuardServer;
  beforeAll(async () => {
    guarded = await startGuardServer(new RuleFileGuard(ALLOW_ALL), false, { token: 's3cret' });
  });
  afterAll(async () => guarded?.app.close());

  it('travels in the header file, never on the command line; a wrong one denies', async () => {
    const pre = stdinOf('binary_allow', 'PreToolUse');
    const right = await runClient('dash', 'PreToolUse', pre, {
      url: guarded.url,
      headerFile: await headerFile(dir, 's3cret'),
    });
    expect(right).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    const wrong = await runClient('dash', 'PreToolUse', pre, {
      url: guarded.url,
      headerFile: await headerFile(dir, 'guess'),
    });
    expect(JSON.parse(wrong.stdout).hookSpecificOutput).toMatchObject({
      permissionDecision: 'deny',
      permissionDecisionReason: expect.stringContaining('answered HTTP 401'),
    });
    expect(guarded.authorizations).toEqual(['Bearer s3cret', 'Bearer guess']);
  });
});

describe('what the server answers a payload it cannot decide on', () => {
  it('a 503 from an unavailable transport fails closed: nothing unrecorded is allowed', async () => {
    server.publisher.failWith = new TransportUnavailableError('store is full', 7);
    const blocked = await runClient('dash', 'PreToolUse', stdinOf('binary_allow', 'PreToolUse'), {
      url: server.url,
      headerFile: noToken,
    });
    expect(JSON.parse(blocked.stdout).hookSpecificOutput.permissionDecisionReason).toContain(
      'answered HTTP 503',
    );
    const reply = await server.app.inject({
      method: 'POST',
      url: '/v1/hook/PreToolUse',
      payload: stdinOf('binary_allow', 'PreToolUse'),
    });
    expect(reply.statusCode).toBe(503);
    expect(reply.headers['retry-after']).toBe('7');
  });

  it('names the problem in the deny, and answers other events with nothing', async () => {
    const post = (event: string, payload: string) =>
      server.app.inject({ method: 'POST', url: `/v1/hook/${event}`, payload });
    const broken = await post('PreToolUse', '{"hook_event_name": "PreToolUse",');
    expect(broken.statusCode).toBe(200);
    expect(broken.headers['x-proofline-hook-exit']).toBe('0');
    expect(JSON.parse(broken.body).hookSpecificOutput.permissionDecisionReason).toMatch(
      /^hook stdin is not valid JSON .*; denied because proofline fails closed$/,
    );
    const silent = await post('Stop', 'not json');
    expect([silent.statusCode, silent.headers['x-proofline-hook-exit'], silent.body]).toEqual([200, '0', '']);
    expect((await post('NotAnEvent', '{}')).statusCode).toBe(404);
    expect(server.publisher.observations).toEqual([]);
  });

  it('the JSON route still rejects a body without a hook event or session with 400 and a reason', async () => {
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

describe('the assumption receipt, read by the server', () => {
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
    const run = await runClient('dash', 'PreToolUse', JSON.stringify(payload), {
      url: server.url,
      headerFile: noToken,
      cwd: join(repo, 'sub'),
    });
    expect(run).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    const assumption = server.publisher.observations.find((o) => o.kind === 'assumption');
    expect(assumption?.attrs['proofline.input.digest']).toBe(sha256(command));
    return assumption!.attrs;
  }

  it('holds cwd, git HEAD, permission mode, model and the digests of the files the command names', async () => {
    const attrs = await assumptionFor('cat ../a.txt && ./run.sh > out.log; cat missing.txt');
    expect(attrs).toMatchObject({
      'proofline.cwd': join(repo, 'sub'),
      'proofline.git.head': git('rev-parse', 'HEAD'),
      'proofline.permission_mode': 'default',
      'proofline.model': 'gpt-test',
      'proofline.context.read_by': 'server',
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

  it('records nothing about a cwd the server cannot see', async () => {
    const payload = { ...JSON.parse(stdinOf('binary_allow', 'PreToolUse')), cwd: join(repo, 'gone') };
    await runClient('dash', 'PreToolUse', JSON.stringify(payload), { url: server.url, headerFile: noToken });
    const assumption = server.publisher.observations.find((o) => o.kind === 'assumption');
    expect(assumption?.attrs).not.toHaveProperty('proofline.git.head');
    expect(assumption?.attrs).not.toHaveProperty('proofline.files');
  });
});
