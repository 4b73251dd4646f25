// Rows as RFC 4180 CSV: a header line, CRLF line ends, fields quoted when they hold a quote, comma or newline.
// A machine format (values whole), but one a spreadsheet opens: a text cell that starts like a formula (=, +,
// -, @, tab, CR) gets a leading apostrophe, OWASP's defence against CSV injection, since any string in a
// bundle (a session id, a tool name, a reason) may have been chosen by the agent. Numbers stay numbers.
import { cellText } from './cells.js';

const FORMULA_START = /^[=+\-@\t\r]/;

function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvCell(cell: unknown): string {
  const text = cellText(cell);
  return typeof cell !== 'number' && FORMULA_START.test(text) ? `'${text}` : text;
}

export function renderCsv<T extends object>(
  columns: readonly (keyof T & string)[],
  rows: readonly T[],
): string {
  const lines = [
    columns.map((column) => field(csvCell(column))),
    ...rows.map((row) => columns.map((column) => field(csvCell(row[column])))),
  ];
  return lines.map((line) => `${line.join(',')}\r\n`).join('');
}
