// A thin handle on DuckDB: open (in memory or a file), run SQL, append rows, read rows as plain JSON values.
import {
  DuckDBDataChunk,
  DuckDBInstance,
  DuckDBTimestampValue,
  listValue,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';

/** A JSON-safe cell: DuckDB's BIGINT and friends arrive as bigint and are narrowed here. */
export type Cell = string | number | boolean | null | Cell[] | { [key: string]: Cell };
export type Row = Record<string, Cell>;
/** What a caller may append: arrays become DuckDB lists; times are made with `rfc3339Timestamp`/`nanosTimestamp`. */
export type AppendCell = string | number | boolean | null | readonly string[] | DuckDBTimestampValue;

export interface QueryResult {
  columns: string[];
  /** Each column's DuckDB type (`TIMESTAMP`, `VARCHAR[]`, …): how human formats know a time from a string. */
  types: string[];
  rows: Row[];
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

/** An RFC 3339 time (schemas/bundle-schema.ts guarantees the form) as a TIMESTAMP in UTC, to the microsecond. */
export function rfc3339Timestamp(text: string | null): DuckDBTimestampValue | null {
  const m = text === null ? null : RFC3339.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, fraction = '', , sign, oh, om] = m;
  const seconds = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)) / 1000;
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60);
  return new DuckDBTimestampValue(
    BigInt(seconds - offset) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6)),
  );
}

/** Unix nanoseconds (as the wire carries them, a decimal string) as a TIMESTAMP, to the microsecond. */
export function nanosTimestamp(nanos: string | null | undefined): DuckDBTimestampValue | null {
  return nanos === null || nanos === undefined || !/^\d{1,19}$/.test(nanos)
    ? null
    : new DuckDBTimestampValue(BigInt(nanos) / 1000n);
}

/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;

function cellValue(cell: AppendCell): DuckDBValue {
  return Array.isArray(cell) ? listValue([...(cell as string[])]) : (cell as DuckDBValue);
}

export class Database {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** `path` undefined: in memory, gone when closed. */
  static async open(path?: string): Promise<Database> {
    const instance = await DuckDBInstance.create(path ?? ':memory:');
    return new Database(instance, await instance.connect());
  }

  async run(sql: string, params?: Record<string, DuckDBValue>): Promise<void> {
    await this.connection.run(sql, params);
  }

  async query(sql: string, params?: Record<string, DuckDBValue>): Promise<QueryResult> {
    const reader = await this.connection.runAndReadAll(sql, params);
    const columns = reader.columnNames();
    // Read a column at a time: half the cost of DuckDB's row objects for a result of many rows.
    const values = reader.getColumnsJS();
    const rows: Row[] = new Array<Row>(reader.currentRowCount);
    for (let index = 0; index < rows.length; index++) {
      const row: Row = {};
      for (let column = 0; column < columns.length; column++)
        row[columns[column]!] = plain(values[column]![index]);
      rows[index] = row;
    }
    return { columns, types: reader.columnTypes().map(String), rows };
  }

  async rows<T = Row>(sql: string, params?: Record<string, DuckDBValue>): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  /** Appends rows in column order, a column at a time into data chunks of the table's own column types: one
   * native call per string rather than a DuckDB value made and appended per cell, which cost more than
   * verifying the bundles did. */
  async append(table: string, rows: readonly (readonly AppendCell[])[]): Promise<void> {
    if (rows.length === 0) return;
    const appender = await this.connection.createAppender(table);
    try {
      const types = Array.from({ length: appender.columnCount }, (_, column) => appender.columnType(column));
      for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
        const slice = rows.slice(start, start + CHUNK_ROWS);
        const chunk = DuckDBDataChunk.create(types, slice.length);
        chunk.setColumns(types.map((_, column) => slice.map((row) => cellValue(row[column]!))));
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function plain(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  // One precision everywhere (milliseconds, UTC); DuckDB's ±infinity has no ISO form.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  }
  return String(value);
}
