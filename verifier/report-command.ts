// `proofline report`: SQL over the loaded (and verified) bundles. Built-in reports live in reports/*.sql,
// one query per file whose first line is a `-- description`; `--sql FILE` runs the operator's own.
import { readFile, readdir } from 'node:fs/promises';

import { Database, type QueryResult } from './database.js';
import { EXIT_CODES, VerifierError, type ExitCode } from './errors.js';
import { loadPaths } from './load-paths.js';
import { processOutput, type Output } from './output.js';
import { renderCsv } from './render/csv.js';
import { renderTable } from './render/table.js';
import { createTables } from './tables.js';

export interface ReportOptions {
  paths: string[];
  builtin?: string;
  sql?: string;
  list: boolean;
  format: 'table' | 'csv' | 'json';
  db?: string;
}

const REPORTS_DIR = new URL('./reports/', import.meta.url);

export interface BuiltinReport {
  name: string;
  description: string;
  sql: string;
}

export async function builtinReports(): Promise<BuiltinReport[]> {
  const files = (await readdir(REPORTS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(new URL(file, REPORTS_DIR), 'utf8');
      return { name: file.slice(0, -'.sql'.length), description: /^--\s*(.*)/.exec(sql)?.[1] ?? '', sql };
    }),
  );
}

export async function runReport(options: ReportOptions, output: Output = processOutput): Promise<ExitCode> {
  if (options.list) {
    output.stdout.write(await listing());
    return EXIT_CODES.ok;
  }
  const sql = await chosenSql(options);
  const db = await Database.open(options.db);
  try {
    await loadPaths(db, { paths: options.paths, requireKeys: false }, output);
    const result = await db.query(sql).catch((error: Error) => {
      throw new VerifierError('SQL_FAILED', `query failed: ${error.message.split('\n')[0]}`);
    });
    output.stdout.write(render(result, options.format));
    // A report over evidence that failed verification is not a clean report: say so, and fail the command.
    const [failed] = await db.rows<{ checks: number; unverifiable: number }>(
      `SELECT (SELECT count(*) FROM checks WHERE status = 'fail')::INTEGER AS checks,
              (SELECT unverifiable FROM completeness_overall) AS unverifiable`,
    );
    if (failed!.checks === 0) return EXIT_CODES.ok;
    output.stderr.write(
      `proofline: ${failed!.checks} verification checks failed under this report; ${failed!.unverifiable} ` +
        'actions count as unverifiable (ρ 0). Run `proofline verify` on the same paths for the failures.\n',
    );
    return EXIT_CODES.checkFailed;
  } finally {
    db.close();
  }
}

async function chosenSql({ builtin, sql }: ReportOptions): Promise<string> {
  if ((builtin === undefined) === (sql === undefined)) {
    throw new VerifierError('REPORT_NOT_CHOSEN', 'choose one of --builtin NAME or --sql FILE (see --list)');
  }
  if (sql !== undefined) {
    return readFile(sql, 'utf8').catch((error: Error) => {
      throw new VerifierError('SQL_FILE_UNREADABLE', `cannot read ${sql}: ${error.message}`);
    });
  }
  const reports = await builtinReports();
  const report = reports.find((r) => r.name === builtin);
  if (!report) {
    throw new VerifierError(
      'UNKNOWN_REPORT',
      `no built-in report ${builtin}; there are ${reports.map((r) => r.name).join(', ')}`,
    );
  }
  return report.sql;
}

function render({ columns, rows }: QueryResult, format: ReportOptions['format']): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(rows, null, 2)}\n`;
    case 'csv':
      return renderCsv(columns, rows);
    case 'table':
      return renderTable(columns, rows);
  }
}

/** The built-in reports and the schema of every table and view a `--sql` query can use. */
async function listing(): Promise<string> {
  const reports = await builtinReports();
  const db = await Database.open();
  try {
    await createTables(db);
    const relations = await db.rows<{ name: string; kind: string }>(
      `SELECT table_name AS name, CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END AS kind
       FROM information_schema.tables ORDER BY kind, name`,
    );
    const schemas = await Promise.all(
      relations.map(async ({ name, kind }) => {
        const columns = await db.rows<{ column_name: string; column_type: string }>(`DESCRIBE ${name}`);
        return `${kind} ${name}(${columns.map((c) => `${c.column_name} ${c.column_type}`).join(', ')})`;
      }),
    );
    return [
      'Built-in reports (--builtin NAME)',
      renderTable(['name', 'description'], reports),
      'Tables and views (--sql FILE)',
      ...schemas,
      '',
    ].join('\n');
  } finally {
    db.close();
  }
}
