// Hook fuzzing through the real client: malformed and hostile stdin payloads, and every way the client's own
// request can fail, through bin/proofline-hook under dash and bash against a real server (hook routes, a
// policy that allows only `echo ok`). Not one PreToolUse or PermissionRequest may be let through by accident,
// and no run may exit 1 (Codex's "hook error", after which the tool runs); the well-formed `echo ok` must be.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseRuleFile, RuleFileGuard } from '../../policy/rule-file.js';
import type { HookRun } from '../../service/hook-client.js';
import { headerFile, runClient, SHELLS, startGuardServer, type GuardServer } from './support.js';

const POLICY = new RuleFileGuard(
  parseRuleFile(
    'version: 1\ndefault: deny\nrules:\n  - id: echo-ok\n    command: "echo ok"\n    decision: allow\n',
    'fuzz.yaml',
  ),
);

const GUARDED = ['PreToolUse', 'PermissionRequest'] as const;

function payload(event: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    session_id: 'fuzz-session',
    turn_id: 'fuzz-turn',
    transcript_path: '/tmp/transcript.jsonl',
    cwd: tmpdir(),
    hook_event_name: event,
    model: 'mock-model',
    permission_mode: 'default',
    tool_name: 'Bash',
    tool_input: { command: 'echo ok' },
    ...(event === 'PreToolUse' ? { tool_use_id: 'call-1' } : {}),
    ...extra,
  };
}

const json = (value: unknown) => JSON.stringify(value);
const withToolInput = (event: string, toolInput: unknown) => json(payload(event, { tool_input: toolInput }));
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/** Payloads that are not a Codex hook payload at all, or are one Codex never writes: each must be refused. */
const HOSTILE: ReadonlyArray<readonly [string, (event: string) => string | Buffer]> = [
  ['empty stdin', () => ''],
  ['whitespace only', () => ' \n\t '],
  ['not JSON', () => 'hello'],
  ['truncated JSON', (e) => json(payload(e)).slice(0, 40)],
  ['UTF-8 BOM before the object', (e) => `\uFEFF${json(payload(e))}`],
  ['raw NUL bytes in the text', (e) => json(payload(e)).replace('"model"', '"mo\u0000del"')],
  ['6 MB command', (e) => withToolInput(e, { command: `echo ok ${'x'.repeat(6 * 1024 * 1024)}` })],
  [
    'tool_input nested 100,000 levels',
    (e) => json(payload(e)).replace('{"command":"echo ok"}', nested(100_000)),
  ],
  ['tool_input a string', (e) => withToolInput(e, 'echo ok')],
  ['tool_input null', (e) => withToolInput(e, null)],
  ['tool_input an array', (e) => withToolInput(e, ['echo ok'])],
  ['tool_input missing', (e) => json({ ...payload(e), tool_input: undefined })],
  ['command a number', (e) => withToolInput(e, { command: 42 })],
  ['command an array', (e) => withToolInput(e, { command: ['echo', 'ok'] })],
  ['command an object', (e) => withToolInput(e, { command: { toString: 'echo ok' } })],
  ['hook_event_name missing', (e) => json({ ...payload(e), hook_event_name: undefined })],
  ['hook_event_name a number', (e) => json(payload(e, { hook_event_name: 7 }))],
  ['session_id missing', (e) => json({ ...payload(e), session_id: undefined })],
  ['session_id empty', (e) => json(payload(e, { session_id: '' }))],
  [
    'payload of another guarded event',
    (e) => json(payload(e === 'PreToolUse' ? 'PermissionRequest' : 'PreToolUse')),
  ],
  ['payload of an unguarded event', () => json(payload('SessionStart'))],
  [
    'invalid UTF-8',
    (e) => Buffer.concat([Buffer.from(json(payload(e)).slice(0, -2)), Buffer.from([0xff, 0xfe, 0x7d])]),
  ],
  [
    'overlong UTF-8 slash',
    (e) => Buffer.concat([Buffer.from(json(payload(e)).slice(0, -1)), Buffer.from([0xc0, 0xaf, 0x7d])]),
  ],
  ['UTF-16LE encoded', (e) => Buffer.from(json(payload(e)), 'utf16le')],
  ['a number beyond float range', (e) => json(payload(e)).replace('"default"', '1e400')],
  [
    'duplicate tool_input, allowed one last',
    (e) => json(payload(e)).replace('"tool_input"', '"tool_input":{"command":"rm -rf /"},"tool_input"'),
  ],
  [
    'duplicate command written with an escape',
    (e) =>
      withToolInput(e, { command: 'rm -rf /' }).replace('"command"', '"command":"echo ok","\\u0063ommand"'),
  ],
  ['__proto__ carrying the fields', (e) => `{"__proto__":${json(payload(e))}}`],
  [
    'constructor.prototype with a command',
    (e) => withToolInput(e, { constructor: { prototype: { command: 'echo ok' } } }),
  ],
  [
    '__proto__ inside tool_input with a command',
    (e) => withToolInput(e, JSON.parse('{"__proto__":{"command":"echo ok"}}')),
  ],
  ['trailing garbage after the object', (e) => `${json(payload(e))} trailing`],
  ['two objects back to back', (e) => `${json(payload(e))}${json(payload(e))}`],
  ['a JSON array', (e) => json([payload(e)])],
  ['a JSON string', (e) => json(json(payload(e)))],
  ['null', () => 'null'],
  ['a command with a NUL escape', (e) => withToolInput(e, { command: 'echo ok\u0000; rm -rf /' })],
  ['a command with a newline', (e) => withToolInput(e, { command: 'echo ok\nrm -rf /' })],
  ['a lone surrogate in the command', (e) => withToolInput(e, { command: 'echo ok\ud800' })],
  [
    'a 900 KB key',
    (e) => json(payload(e, { ['k'.repeat(900 * 1024)]: 1, tool_input: { command: 'rm -rf /' } })),
  ],
];

type Outcome = 'allowed' | 'denied' | 'silent' | 'exit 1' | 'other';

/** What Codex does with a run for `event`: a guarded event either denies or lets the call proceed. */
function outcome(event: string, run: HookRun): Outcome {
  if (run.exitCode === 1) return 'exit 1';
  if (run.exitCode === 2) return 'denied';
  if (run.exitCode !== 0) return 'other';
  if (!(GUARDED as readonly string[]).includes(event)) return run.stdout === '' ? 'silent' : 'other';
  if (run.stdout === '') return 'allowed';
  const out = JSON.parse(run.stdout) as {
    hookSpecificOutput?: { permissionDecision?: string; decision?: { behavior?: string } };
  };
  const denied =
    event === 'PreToolUse'
      ? out.hookSpecificOutput?.permissionDecision === 'deny'
      : out.hookSpecificOutput?.decision?.behavior === 'deny';
  return denied ? 'denied' : 'allowed';
}

let server: GuardServer;
let fake: Server;
let fakeUrl: string;
let dir: string;
let headers: string;

/** A fake proofline (named so): answers by the first path segment, to break the client's expectations. */
function fakeAnswer(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  const kind = request.url?.split('/')[1];
  const allowLike = '';
  if (kind === 'status500') response.writeHead(500, { 'x-proofline-hook-exit': '0' }).end(allowLike);
  else if (kind === 'garbage') response.writeHead(200).end('<html>proxy says hi</html>');
  else if (kind === 'no-header') response.writeHead(200).end(allowLike);
  else if (kind === 'exit-1') response.writeHead(200, { 'x-proofline-hook-exit': '1' }).end(allowLike);
  else if (kind === 'two-answers') response.writeHead(200, { 'x-proofline-hook-exit': '0' }).end('{}\n{}');
  else if (kind === 'redirect') response.writeHead(302, { location: server.url }).end();
  else if (kind === 'silent')
    return; // never answers
  else response.writeHead(404).end();
}

beforeAll(async () => {
  server = await startGuardServer(POLICY);
  fake = createServer(fakeAnswer);
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  fakeUrl = `http://127.0.0.1:${(fake.address() as { port: number }).port}`;
  dir = mkdtempSync(join(tmpdir(), 'proofline-hook-fuzz-'));
  headers = await headerFile(dir);
});
afterAll(async () => {
  await server?.app.close();
  fake?.closeAllConnections();
  await new Promise<void>((resolve) => fake.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe.each(SHELLS)('hostile stdin through the client under %s', (shell) => {
  const run = (event: string, stdin: string | Buffer) =>
    runClient(shell, event, stdin, { url: server.url, headerFile: headers });

  it('lets the well-formed `echo ok` through on both guarded events, and denies `rm -rf /`', async () => {
    for (const event of GUARDED) {
      expect(outcome(event, await run(event, json(payload(event))))).toBe('allowed');
      expect(outcome(event, await run(event, withToolInput(event, { command: 'rm -rf /' })))).toBe('denied');
    }
  });

  it(`refuses all ${HOSTILE.length} hostile payloads on guarded events; other events stay silent`, async () => {
    const outcomes: string[] = [];
    for (const [name, make] of HOSTILE) {
      for (const event of GUARDED)
        outcomes.push(`${event} ${name}: ${outcome(event, await run(event, make(event)))}`);
      outcomes.push(`Stop ${name}: ${outcome('Stop', await run('Stop', make('Stop')))}`);
    }
    // A guarded payload sent to the Stop handler is a PreToolUse Codex ran: blocked with exit 2 (see payload.ts).
    const stopBlocked = new Set(['payload of another guarded event']);
    const expected = HOSTILE.flatMap(([name]) => [
      `PreToolUse ${name}: denied`,
      `PermissionRequest ${name}: denied`,
      `Stop ${name}: ${stopBlocked.has(name) ? 'denied' : 'silent'}`,
    ]);
    expect(outcomes).toEqual(expected);
    expect(Object.prototype).not.toHaveProperty('command');
    expect(HOSTILE.length).toBeGreaterThanOrEqual(30);
  });
});

describe.each(SHELLS)('the client’s own failures under %s', (shell) => {
  const pre = json(payload('PreToolUse'));
  const runWith = (
    event: string,
    url: string,
    options: { headerFile?: string; env?: NodeJS.ProcessEnv } = {},
  ) =>
    runClient(shell, event, event === 'PreToolUse' ? pre : json(payload(event)), {
      url,
      headerFile: options.headerFile ?? headers,
      env: options.env,
    });

  it('denies (never exit 1) whatever goes wrong between it and the server; other events stay silent', async () => {
    const probe = await startGuardServer(POLICY);
    const deadUrl = probe.url;
    await probe.app.close();
    const missingDir = join(dir, 'missing-headers');
    const directory = join(dir, 'a-directory');
    mkdirSync(directory, { recursive: true });
    chmodSync(directory, 0o700);
    const cases: Array<[string, string, { headerFile?: string; env?: NodeJS.ProcessEnv }]> = [
      ['server down', deadUrl, {}],
      ['server never answers (beyond --max-time)', `${fakeUrl}/silent`, {}],
      ['HTTP 500 with an exit header', `${fakeUrl}/status500`, {}],
      ['200 with a body that is not a hook answer', `${fakeUrl}/garbage`, {}],
      ['200 without the exit header', `${fakeUrl}/no-header`, {}],
      ['an exit header other than 0', `${fakeUrl}/exit-1`, {}],
      ['two answers in one body', `${fakeUrl}/two-answers`, {}],
      ['a redirect (not followed)', `${fakeUrl}/redirect`, {}],
      ['curl not on PATH', server.url, { env: { PATH: join(dir, 'no-bin') } }],
      ['header file missing', server.url, { headerFile: join(missingDir, 'headers') }],
      ['header file is a directory', server.url, { headerFile: directory }],
      ['URL not http(s)', 'file:///etc/passwd', {}],
      ['URL empty', '', {}],
    ];
    // All at once: the silent server costs the client's whole --max-time, once.
    const results = await Promise.all(
      cases.map(([name, url, options]) =>
        Promise.all(
          (['PreToolUse', 'PermissionRequest', 'Stop'] as const).map(
            async (event) => `${name}: ${outcome(event, await runWith(event, url, options))}`,
          ),
        ),
      ),
    );
    expect(results).toEqual(cases.map(([name]) => [`${name}: denied`, `${name}: denied`, `${name}: silent`]));
  }, 30_000);

  it('blocks with exit 2 and a reason when its command line names no event', async () => {
    for (const event of ['', 'pretooluse', 'Bogus']) {
      const run = await runWith(event, server.url);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(/^proofline-hook: usage: .*; blocking\n$/);
    }
  });
});
