// `proofline report`: SQL over the loaded (and verified) bundles, and the audit formats. Built-in reports live
// in reports/*.sql, one query per file whose first line is a `-- description`; `--sql` runs the operator's own
// (inline, or `--sql-file`). `--format html` (the auditor's page) and `--format ocsf` (SIEM events) take no
// query: they show every action. `--since/--until` narrow everything to a window of runtime time (window.ts).
import { readFile, readdir } from 'node:fs/promises';

import { auditData, actionRows, approvalsByFile, assemblerVersions } from './audit-data.js';
import { Database, type QueryResult } from './database.js';
import { EXIT_CODES, VerifierError, type ExitCode } from './errors.js';
import { loadPaths } from './load-paths.js';
import { writeOutputFile } from './output-file.js';
import { processOutput, type Output } from './output.js';
import { renderCsv } from './render/csv.js';
import { renderHtml } from './render/html.js';
import { renderOcsf } from './render/ocsf.js';
import { renderTable } from './render/table.js';
import { createTables } from './tables.js';
import { parseWindow, restrictToWindow } from './window.js';

export const REPORT_FORMATS = ['table', 'csv', 'json', 'ndjson', 'ocsf', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
/** Formats that show every action rather than a query's rows. */
const WHOLE_EVIDENCE_FORMATS: readonly ReportFormat[] = ['ocsf', 'html'];

export interface ReportOptions {
  paths: string[];
  /** A key set obtained independently of the bundles (as verify's); without it, the data directories' own. */
  keys?: string;
  /** The approvers trusted for signed grants; without it, the data directories' registered ones. */
  approvers?: string;
  builtin?: string;
  /** A query, inline. */
  sql?: string;
  /** A file holding a query. */
  sqlFile?: string;
  list: boolean;
  format: ReportFormat;
  /** Write here instead of stdout. */
  out?: string;
  /** Only actions whose runtime time is at or after `since` and before `until` (window.ts). */
  since?: string;
  until?: string;
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

async function builtinSql(name: string): Promise<string> {
  const reports = await builtinReports();
  const report = reports.find((r) => r.name === name);
  if (!report) {
    throw new VerifierError(
      'UNKNOWN_REPORT',
      `no built-in report ${name}; there are ${reports.map((r) => r.name).join(', ')}`,
    );
  }
  return report.sql;
}

export async function runReport(options: ReportOptions, output: Output = processOutput): Promise<ExitCode> {
  if (options.list) {
    output.stdout.write(await listing());
    return EXIT_CODES.ok;
  }
  // Everything the operator could get wrong is checked before anything is loaded.
  const sql = WHOLE_EVIDENCE_FORMATS.includes(options.format) ? noQuery(options) : await chosenSql(options);
  const window = parseWindow(options);
  const db = await Database.open(options.db);
  try {
    await loadPaths(
      db,
      {
        paths: options.paths,
        requireKeys: false,
        ...(options.keys === undefined ? {} : { keys: options.keys }),
        ...(options.approvers === undefined ? {} : { approvers: options.approvers }),
      },
      output,
    );
    await restrictToWindow(db, window);
    const text = await render(db, sql, options);
    if (options.out === undefined) output.stdout.write(text);
    else await writeOutputFile(options.out, text);
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

function noQuery({ builtin, sql, sqlFile, format }: ReportOptions): undefined {
  if (builtin !== undefined || sql !== undefined || sqlFile !== undefined)
    throw new VerifierError(
      'REPORT_FORMAT_TAKES_NO_QUERY',
      `--format ${format} shows every action; it takes no --builtin, --sql or --sql-file`,
    );
  return undefined;
}

async function chosenSql({ builtin, sql, sqlFile }: ReportOptions): Promise<string> {
  const given = [builtin, sql, sqlFile].filter((choice) => choice !== undefined).length;
  if (given !== 1) {
    throw new VerifierError(
      'REPORT_NOT_CHOSEN',
      'choose one of --builtin NAME, --sql QUERY or --sql-file FILE (see --list), or --format html|ocsf',
    );
  }
  if (sql !== undefined) return sql;
  if (sqlFile !== undefined) {
    return readFile(sqlFile, 'utf8').catch((error: Error) => {
      throw new VerifierError('SQL_FILE_UNREADABLE', `cannot read ${sqlFile}: ${error.message}`);
    });
  }
  return builtinSql(builtin!);
}

async function query(db: Database, sql: string): Promise<QueryResult> {
  return db.query(sql).catch((error: Error) => {
    throw new VerifierError('SQL_FAILED', `query failed: ${error.message.split('\n')[0]}`);
  });
}

async function render(db: Database, sql: string | undefined, options: ReportOptions): Promise<string> {
  if (options.format === 'html') {
    const data = await auditData(db, await builtinSql('actions'));
    return renderHtml(data, {
      paths: options.paths,
      since: options.since,
      until: options.until,
      generatedAt: new Date().toISOString(),
    });
  }
  if (options.format === 'ocsf') {
    const actions = await actionRows(db, await builtinSql('actions'));
    return renderOcsf(actions, await approvalsByFile(db), await assemblerVersions(db));
  }
  const { columns, types, rows } = await query(db, sql!);
  switch (options.format) {
    case 'json':
      return `${JSON.stringify(rows, null, 2)}\n`;
    case 'ndjson':
      return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
    case 'csv':
      return renderCsv(columns, rows);
    case 'table':
      return renderTable(columns, rows, types);
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
      'Tables and views (--sql QUERY, --sql-file FILE)',
      ...schemas,
      '',
    ].join('\n');
  } finally {
    db.close();
  }
}
