// `npm run bench`: runs every benchmark and prints one table; `node dist/bench/run.js [names…] --json FILE`
// runs the named ones and also writes every row as JSON (bench/table.ts#BenchRecord) for a check to read.
// Benchmarks, not tests: they report, they do not fail the build.
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';

import { benchBundles } from './bundles.js';
import { benchCodex } from './codex.js';
import { benchGuard } from './guard.js';
import { benchHook } from './hook.js';
import { benchIngest } from './ingest.js';
import { benchKafka } from './kafka.js';
import { benchServeRss } from './rss.js';
import { benchRecords, renderTable, type BenchRecord, type BenchRow } from './table.js';
import { benchVerify } from './verify.js';

const BENCHES: Record<string, () => Promise<BenchRow[]>> = {
  ingest: benchIngest,
  bundles: benchBundles,
  verify: benchVerify,
  hook: benchHook,
  guard: async () =>
    (await benchGuard()).map((r) => ({ measure: r.name, value: r.value, unit: r.unit, goal: r.goal })),
  rss: benchServeRss,
  codex: benchCodex,
  kafka: benchKafka,
};

function parseArgs(argv: readonly string[]): { only: string[]; json?: string } {
  const only: string[] = [];
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') {
      json = argv[++i];
      if (json === undefined) throw new Error('--json needs a file name');
    } else only.push(argv[i]!);
  }
  const unknown = only.filter((name) => !(name in BENCHES));
  if (unknown.length > 0)
    throw new Error(`unknown bench ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})`);
  return { only, ...(json === undefined ? {} : { json }) };
}

const { only, json } = parseArgs(process.argv.slice(2));
const records: BenchRecord[] = [];
for (const [name, bench] of Object.entries(BENCHES)) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}… (load average ${loadavg()[0]!.toFixed(2)})\n`);
  records.push(...benchRecords(name, await bench()));
}
process.stdout.write(`${renderTable(records)}\n`);
if (json !== undefined)
  await writeFile(json, `${JSON.stringify({ date: new Date().toISOString(), rows: records }, null, 2)}\n`);
