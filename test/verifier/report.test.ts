import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { Database } from '../../verifier/database.js';
import { makeDataDir, report, verify } from './fixtures.js';

describe('proofline report built-ins', () => {
  it('completeness: by runtime family, from the receipts', async () => {
    const { dir } = await makeDataDir();
    const { code, stdout } = await report({ paths: [dir], builtin: 'completeness' });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      { runtime_family: 'managed_platform', actions: 1, mean_rho: 1, complete_actions: 1, complete_share: 1 },
      {
        runtime_family: 'tool_hook',
        actions: 3,
        mean_rho: 0.866667,
        complete_actions: 2,
        complete_share: 0.666667,
      },
    ]);
  });

  it('blocked: the blocked action with its reason and rule', async () => {
    const { dir } = await makeDataDir();
    expect(JSON.parse((await report({ paths: [dir], builtin: 'blocked' })).stdout)).toEqual([
      {
        session_id: 's1',
        action_id: 'a2',
        tool_name: 'Bash',
        route: 'block',
        reason: 'destructive command',
        rule: 'no-rm',
        started_at: '2025-06-15T10:00:01.000Z',
      },
    ]);
  });

  it('unguarded: the bypassed hook first, then the runtime that has no guard', async () => {
    const { dir } = await makeDataDir();
    const rows = JSON.parse((await report({ paths: [dir], builtin: 'unguarded' })).stdout) as Record<
      string,
      unknown
    >[];
    expect(rows.map((r) => [r.session_id, r.action_id, r.why])).toEqual([
      ['s1', 'a3', 'guard receipt missing: hook bypassed, failed or not trusted'],
      ['s2', 'b1', 'runtime has no pre-execution guard'],
    ]);
  });

  it('unguarded: a bundle that failed verification is listed as unverifiable, never dropped', async () => {
    const { dir } = await makeDataDir();
    const file = join(dir, 'bundles', 's1', '000000-a1.dsse.json');
    const envelope = JSON.parse(await readFile(file, 'utf8')) as { payload: string };
    const payload = Buffer.from(envelope.payload, 'base64');
    // Inside a string, so the statement still reads and only its signature fails.
    const at = payload.indexOf('"tool_name":"') + 13;
    payload[at] = payload[at]! ^ 0x01;
    await writeFile(file, JSON.stringify({ ...envelope, payload: payload.toString('base64') }));
    const r = await report({ paths: [dir], builtin: 'unguarded' });
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows.map((row) => [row.session_id, row.action_id, String(row.why).split(' (')[0]])).toEqual([
      ['s2', 'b1', 'runtime has no pre-execution guard'],
      // The whole session: a1 itself, and a2 and a3 whose session's chain and seal no longer hold (a3's
      // bypassed hook is among what can no longer be shown either way).
      ['s1', 'a1', 'unverifiable: its evidence failed verification'],
      ['s1', 'a2', 'unverifiable: its evidence failed verification'],
      ['s1', 'a3', 'unverifiable: its evidence failed verification'],
    ]);
  });

  it('approvals: counted by source and enforceability', async () => {
    const { dir } = await makeDataDir();
    expect(JSON.parse((await report({ paths: [dir], builtin: 'approvals' })).stdout)).toEqual([
      {
        source: 'config',
        enforceability: 'runtime_enforced',
        decision: 'approved',
        approvals: 1,
        sessions: 1,
      },
      {
        source: 'user',
        enforceability: 'approval_orchestrated',
        decision: 'approved',
        approvals: 1,
        sessions: 1,
      },
    ]);
  });

  it('sessions: one row per session, with failed checks counted; failed evidence counts as ρ 0 and fails the command', async () => {
    const { dir } = await makeDataDir();
    await rm(join(dir, 'bundles', 's2', 'seal.dsse.json'));
    const r = await report({ paths: [dir], builtin: 'sessions' });
    expect(r.code).toBe(1);
    // b1, and the log leaf whose seal is gone.
    expect(r.stderr).toMatch(
      /2 verification checks failed under this report; 2 actions count as unverifiable/,
    );
    expect(JSON.parse(r.stdout)).toEqual([
      {
        session_id: 's1',
        runtime_family: 'tool_hook',
        actions: 3,
        blocked: 1,
        mean_rho: 0.866667,
        complete_share: 0.666667,
        sealed: 'session_end',
        failed_checks: 0,
      },
      {
        session_id: 's2',
        runtime_family: 'managed_platform',
        actions: 1,
        blocked: 0,
        // Its seal is gone: what its one bundle shows can no longer be proven.
        mean_rho: 0,
        complete_share: 0,
        sealed: null,
        failed_checks: 1,
      },
    ]);
  });
});

describe('proofline report options', () => {
  it('--sql runs the operator’s query over the loaded tables', async () => {
    const { dir } = await makeDataDir();
    const sqlFile = join(dir, 'mine.sql');
    await writeFile(
      sqlFile,
      `SELECT action_id, len(labels) AS labels FROM slice_nodes WHERE 'sensitive' IN labels GROUP BY ALL ORDER BY 1`,
    );
    expect(JSON.parse((await report({ paths: [dir], sqlFile })).stdout)).toEqual([
      { action_id: 'a1', labels: 1 },
    ]);
  });

  it('formats csv with quoting and table with borders', async () => {
    const { dir } = await makeDataDir();
    const sqlFile = join(dir, 'quote.sql');
    await writeFile(sqlFile, `SELECT 'a "quoted", value' AS text, 2 AS n`);
    expect((await report({ paths: [dir], sqlFile, format: 'csv' })).stdout).toBe(
      'text,n\r\n"a ""quoted"", value",2\r\n',
    );
    expect((await report({ paths: [dir], builtin: 'approvals', format: 'table' })).stdout).toMatch(
      /│ config\s+│ runtime_enforced\s+│/,
    );
  });

  it('--list names every built-in and every table with its columns', async () => {
    const { stdout, code } = await report({ paths: [], list: true });
    expect(code).toBe(0);
    for (const name of ['completeness', 'blocked', 'unguarded', 'approvals', 'sessions'])
      expect(stdout).toContain(`│ ${name}`);
    expect(stdout).toMatch(/^table bundles\(file VARCHAR, session_id VARCHAR, .*rho_claimed DOUBLE/m);
    expect(stdout).toMatch(/^table checks\(subject VARCHAR/m);
    expect(stdout).toMatch(/^view action_completeness\(/m);
  });

  it('usage errors: no report chosen, unknown built-in, failing SQL', async () => {
    const { dir } = await makeDataDir();
    await expect(report({ paths: [dir] })).rejects.toMatchObject({ code: 'REPORT_NOT_CHOSEN', exitCode: 2 });
    await expect(report({ paths: [dir], builtin: 'nope' })).rejects.toMatchObject({ code: 'UNKNOWN_REPORT' });
    const sqlFile = join(dir, 'bad.sql');
    await writeFile(sqlFile, 'SELECT * FROM no_such_table');
    await expect(report({ paths: [dir], sqlFile })).rejects.toMatchObject({ code: 'SQL_FAILED' });
  });

  it('--db keeps the loaded tables in a DuckDB file', async () => {
    const { dir } = await makeDataDir();
    const dbFile = join(dir, 'proofline.duckdb');
    expect((await verify({ paths: [dir], db: dbFile })).code).toBe(0);
    const db = await Database.open(dbFile);
    try {
      expect(await db.rows(`SELECT count(*) AS n FROM bundles`)).toEqual([{ n: 4 }]);
      expect(await db.rows(`SELECT count(*) FILTER (WHERE status <> 'pass') AS n FROM checks`)).toEqual([
        { n: 0 },
      ]);
    } finally {
      db.close();
    }
  });
});
