// The embedded transport's tables, in the same DuckDB file the assembler may use for its own index.
// `observations` is the log: one partition (0) whose offsets are `seq`. `id` is UNIQUE so that even a bug in
// the publisher's de-duplication can never store an observation twice.
import type { DuckDBConnection } from '@duckdb/node-api';

export const EMBEDDED_PARTITION = 0;

const DDL = `
CREATE TABLE IF NOT EXISTS observations (
  seq BIGINT PRIMARY KEY,
  id VARCHAR NOT NULL UNIQUE,
  session_id VARCHAR NOT NULL,
  observation JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS consumer_offsets (
  consumer VARCHAR NOT NULL,
  "partition" INTEGER NOT NULL,
  next_offset BIGINT NOT NULL,
  PRIMARY KEY (consumer, "partition")
);
CREATE TABLE IF NOT EXISTS dead_letters (
  consumer VARCHAR NOT NULL,
  "partition" INTEGER NOT NULL,
  "offset" BIGINT NOT NULL,
  observation_id VARCHAR,
  reason VARCHAR NOT NULL,
  record VARCHAR NOT NULL,
  dead_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, "partition", "offset")
);
`;

export async function createEmbeddedSchema(connection: DuckDBConnection): Promise<void> {
  await connection.run(DDL);
}
