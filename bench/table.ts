// The benchmark table: every figure beside the physical baseline it is judged against, measured in the same run,
// and the machine's load average when it was taken (the figures are only as good as the machine was idle).
import { loadavg } from 'node:os';

import Table from 'cli-table3';

export interface BenchRow {
  measure: string;
  value: number;
  unit: string;
  /** What the figure is compared with, and its value in the same unit. */
  baseline?: { name: string; value: number };
  goal?: string;
  met?: boolean;
}

/** A row as `--json` writes it: flat, every field present (null where it does not apply), so a check can read
 * `met` without knowing the bench. */
export interface BenchRecord {
  bench: string;
  measure: string;
  value: number;
  unit: string;
  baseline_name: string | null;
  baseline_value: number | null;
  /** value / baseline_value. */
  ratio: number | null;
  goal: string | null;
  met: boolean | null;
  /** 1-minute load average when the bench that made the row finished. */
  load_average: number;
}

export function benchRecords(bench: string, rows: readonly BenchRow[]): BenchRecord[] {
  const load = Number(loadavg()[0]!.toFixed(2));
  return rows.map((row) => ({
    bench,
    measure: row.measure,
    value: row.value,
    unit: row.unit,
    baseline_name: row.baseline?.name ?? null,
    baseline_value: row.baseline?.value ?? null,
    ratio: row.baseline && row.baseline.value !== 0 ? row.value / row.baseline.value : null,
    goal: row.goal ?? null,
    met: row.met ?? null,
    load_average: load,
  }));
}

const format = (x: number) => (Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en') : x.toPrecision(3));

export function renderTable(records: readonly BenchRecord[]): string {
  const table = new Table({
    head: ['measure', 'value', 'baseline (same run)', 'ratio', 'goal', 'met', 'load'],
  });
  for (const row of records) {
    table.push([
      row.measure,
      `${format(row.value)} ${row.unit}`,
      row.baseline_name === null ? '' : `${row.baseline_name}: ${format(row.baseline_value!)} ${row.unit}`,
      row.ratio === null ? '' : `${(row.ratio * 100).toFixed(1)}%`,
      row.goal ?? '',
      row.met === null ? '' : row.met ? 'yes' : 'NO',
      row.load_average.toFixed(1),
    ]);
  }
  return table.toString();
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
