// Where a value (a secret) occurs in a proofline data directory, looked for in every form it could be stored in:
// the raw bytes of every file, the base64 DSSE payloads of the bundles and segments (decoded), and a text
// export of every DuckDB database (whose file pages may be compressed, so the raw bytes alone prove nothing).
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';

/** Returns "where" for each occurrence; empty when the value is nowhere. The data directory's server must be
 * stopped (DuckDB holds a lock on its file). */
export async function occurrences(dataDir: string, value: string): Promise<string[]> {
  const found: string[] = [];
  const needle = Buffer.from(value, 'utf8');
  const files = await listFiles(dataDir);
  for (const file of files) {
    const bytes = await readFile(file);
    if (bytes.includes(needle)) found.push(file);
    // An exported bundle file, or a segment (one envelope per line).
    if (file.endsWith('.dsse.json') || file.endsWith('.jsonl')) {
      const decoded = bytes
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => Buffer.from((JSON.parse(line) as { payload?: string }).payload ?? '', 'base64'));
      if (decoded.some((payload) => payload.includes(needle))) found.push(`${file} (decoded payload)`);
    }
  }
  for (const database of files.filter((f) => f.endsWith('.duckdb'))) {
    for (const exported of await listFiles(await exportAsText(database)))
      if ((await readFile(exported)).includes(needle)) found.push(`${database} → ${exported}`);
  }
  return found;
}

/** Every table as CSV in a fresh directory (`EXPORT DATABASE`). */
export async function exportAsText(database: string): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'proofline-duckdb-export-'));
  const instance = await DuckDBInstance.create(database, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    await connection.run(`EXPORT DATABASE '${out.replaceAll("'", "''")}' (FORMAT csv)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return out;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
