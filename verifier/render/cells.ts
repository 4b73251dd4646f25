// How one result cell reads as text. Machine formats (CSV, JSON, NDJSON) keep every value whole, times as ISO
// 8601 in UTC to the millisecond; human formats (the terminal table, HTML) show the same times in one
// readable form and a 64-hex digest by its first 12 characters.

export function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (Array.isArray(cell)) return cell.map(cellText).join(', ');
  if (typeof cell === 'object') return JSON.stringify(cell);
  return String(cell);
}

/** A DuckDB column type that holds an instant (TIMESTAMP, TIMESTAMP WITH TIME ZONE, TIMESTAMP_NS, …). */
export function isTimeType(type: string | undefined): boolean {
  return type !== undefined && type.startsWith('TIMESTAMP');
}

const DIGEST = /^[0-9a-f]{64}$/;
const ISO_UTC = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}\.\d{3})Z$/;

/** `2026-11-21T04:35:16.895Z` → `2026-11-21 04:35:16.895Z`: one precision (ms), always UTC. */
export function humanTime(iso: string): string {
  const m = ISO_UTC.exec(iso);
  return m ? `${m[1]} ${m[2]}Z` : iso;
}

/** A sha256 hex digest shortened for reading; anything else as it is. */
export function shortDigest(text: string): string {
  return DIGEST.test(text) ? `${text.slice(0, 12)}…` : text;
}

/** A cell as a human format shows it: times readable, digests short (in lists too), the rest as cellText. */
export function humanCell(cell: unknown, type?: string): string {
  if (typeof cell === 'string') return isTimeType(type) ? humanTime(cell) : shortDigest(cell);
  if (Array.isArray(cell)) return cell.map((c) => humanCell(c)).join(', ');
  return cellText(cell);
}
