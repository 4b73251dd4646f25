// The benchmark table: every figure beside the physical baseline it is judged against, measured in the same run.
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

const format = (x: number) => (Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en') : x.toPrecision(3));

export function renderTable(rows: readonly BenchRow[]): string {
  const table = new Table({ head: ['measure', 'value', 'baseline (same run)', 'ratio', 'goal', 'met'] });
  for (const row of rows) {
    const ratio =
      row.baseline && row.baseline.value !== 0
        ? `${((row.value / row.baseline.value) * 100).toFixed(1)}%`
        : '';
    table.push([
      row.measure,
      `${format(row.value)} ${row.unit}`,
      row.baseline ? `${row.baseline.name}: ${format(row.baseline.value)} ${row.unit}` : '',
      ratio,
      row.goal ?? '',
      row.met === undefined ? '' : row.met ? 'yes' : 'NO',
    ]);
  }
  return table.toString();
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
