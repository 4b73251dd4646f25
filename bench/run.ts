// `npm run bench`: runs every benchmark and prints one table. Benchmarks, not tests: they report, they do
// not fail the build.
import { benchBundles } from './bundles.js';
import { benchCodex } from './codex.js';
import { benchGuard } from './guard.js';
import { benchHook } from './hook.js';
import { benchIngest } from './ingest.js';
import { benchKafka } from './kafka.js';
import { benchServeRss } from './rss.js';
import { renderTable, type BenchRow } from './table.js';

const BENCHES: Record<string, () => Promise<BenchRow[]>> = {
  ingest: benchIngest,
  bundles: benchBundles,
  hook: benchHook,
  guard: async () =>
    (await benchGuard()).map((r) => ({ measure: r.name, value: r.value, unit: r.unit, goal: r.goal })),
  rss: benchServeRss,
  codex: benchCodex,
  kafka: benchKafka,
};

const only = process.argv.slice(2);
const rows: BenchRow[] = [];
for (const [name, bench] of Object.entries(BENCHES)) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  rows.push(...(await bench()));
}
process.stdout.write(`${renderTable(rows)}\n`);
