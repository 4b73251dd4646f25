// Rows as a boxed terminal table (cli-table3). Colour is off: output often goes to CI logs and files.
import Table from 'cli-table3';

import { cellText } from './cells.js';

export function renderTable<T extends object>(
  columns: readonly (keyof T & string)[],
  rows: readonly T[],
): string {
  const table = new Table({ head: [...columns], style: { head: [], border: [] }, wordWrap: true });
  for (const row of rows) table.push(columns.map((column) => cellText(row[column])));
  return `${table.toString()}\n`;
}
