// A thin handle on DuckDB: open (in memory or a file), run SQL, append rows, read rows as plain JSON values.
import { DuckDBInstance, listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

/** A JSON-safe cell: DuckDB's BIGINT and friends arrive as bigint and are narrowed here. */
export type Cell = string | number | boolean | null | Cell[] | { [key: string]: Cell };
export type Row = Record<string, Cell>;
/** What a caller may append: arrays become DuckDB lists. */
export type AppendCell = string | number | boolean | null | readonly string[];

export interface QueryResult {
  columns: string[];
  rows: Row[];
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
    return { columns: reader.columnNames(), rows: reader.getRowObjectsJS().map((row) => plain(row) as Row) };
  }

  async rows<T = Row>(sql: string, params?: Record<string, DuckDBValue>): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  /** Appends rows in column order; the appender is told each column's type so lists and JSON need no casts. */
  async append(table: string, rows: readonly (readonly AppendCell[])[]): Promise<void> {
    const appender = await this.connection.createAppender(table);
    try {
      for (const row of rows) {
        row.forEach((cell, column) => {
          const value: DuckDBValue = Array.isArray(cell) ? listValue([...cell]) : (cell as DuckDBValue);
          appender.appendValue(value, appender.columnType(column));
        });
        appender.endRow();
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
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  }
  return String(value);
}
