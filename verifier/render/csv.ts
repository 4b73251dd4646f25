// Rows as RFC 4180 CSV: a header line, CRLF line ends, fields quoted when they hold a quote, comma or newline.
import { cellText } from './cells.js';

function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function renderCsv<T extends object>(
  columns: readonly (keyof T & string)[],
  rows: readonly T[],
): string {
  const lines = [
    columns.map(field),
    ...rows.map((row) => columns.map((column) => field(cellText(row[column])))),
  ];
  return lines.map((line) => `${line.join(',')}\r\n`).join('');
}
