// Rows as a boxed terminal table (cli-table3), a human format (cells.ts). Colour is off: output often goes to
// CI logs and files.
import Table from 'cli-table3';

import { humanCell } from './cells.js';

export function renderTable<T extends object>(
  columns: readonly (keyof T & string)[],
  rows: readonly T[],
  types: readonly string[] = [],
): string {
  const table = new Table({ head: [...columns], style: { head: [], border: [] }, wordWrap: true });
  for (const row of rows) table.push(columns.map((column, i) => humanCell(row[column], types[i])));
  return `${table.toString()}\n`;
}
