// OTLP ingest throughput through the real receiver into the durable embedded transport (the assembler runs
// beside it, as in `serve`), beside a bare protobufjs decode of the same bytes.
import { performance } from 'node:perf_hooks';

import { startPipeline } from '../service/embedded.js';
import { EXPORT_REQUEST_TYPES } from '../ingest/otlp/proto.js';
import { freshDir } from './dirs.js';
import type { BenchRow } from './table.js';
import { countDecoded, encodeJson, encodeProtobuf, logsRequest } from './workload.js';

const REQUESTS = 40;
const RECORDS_PER_REQUEST = 2_000;
const SESSIONS_PER_REQUEST = 50;
// Requests in flight at once, as an OpenTelemetry Collector's exporter sends them (its sending queue runs
// several consumers); they meet in the publisher's group commits.
const CONCURRENT_REQUESTS = 8;

function bareDecodeRate(bodies: readonly Buffer[]): number {
  const started = performance.now();
  let records = 0;
  for (const body of bodies) records += countDecoded(EXPORT_REQUEST_TYPES.logs.decode(body));
  return records / ((performance.now() - started) / 1000);
}

async function ingestRate(bodies: readonly Buffer[], contentType: string, inFlight = 1): Promise<number> {
  const pipeline = await startPipeline({ dataDir: await freshDir('bench-ingest-'), ingest: { port: 0 } });
  try {
    const queue = [...bodies];
    const sender = async (): Promise<void> => {
      for (let body = queue.shift(); body; body = queue.shift()) {
        const response = await fetch(`${pipeline.url}/v1/logs`, {
          method: 'POST',
          headers: { 'content-type': contentType },
          body,
        });
        if (response.status !== 200)
          throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: inFlight }, sender));
    return (REQUESTS * RECORDS_PER_REQUEST) / ((performance.now() - started) / 1000);
  } finally {
    await pipeline.close();
  }
}

export async function benchIngest(): Promise<BenchRow[]> {
  const requests = Array.from({ length: REQUESTS }, (_, i) =>
    logsRequest(i * SESSIONS_PER_REQUEST, SESSIONS_PER_REQUEST, RECORDS_PER_REQUEST, i),
  );
  const protobufBodies = requests.map(encodeProtobuf);
  const jsonBodies = requests.map(encodeJson);
  const bare = bareDecodeRate(protobufBodies);
  const protobuf = await ingestRate(protobufBodies, 'application/x-protobuf');
  const json = await ingestRate(jsonBodies, 'application/json');
  const concurrent = await ingestRate(protobufBodies, 'application/x-protobuf', CONCURRENT_REQUESTS);
  const baseline = { name: 'bare protobufjs decode', value: bare };
  return [
    {
      measure: 'OTLP ingest, protobuf (durable)',
      value: protobuf,
      unit: 'records/s',
      baseline,
      goal: '≥ 50% of baseline',
      met: protobuf >= bare / 2,
    },
    {
      measure: `OTLP ingest, protobuf, ${CONCURRENT_REQUESTS} requests in flight (durable)`,
      value: concurrent,
      unit: 'records/s',
      baseline,
      goal: '≥ 50% of baseline',
      met: concurrent >= bare / 2,
    },
    {
      measure: 'OTLP ingest, JSON (durable)',
      value: json,
      unit: 'records/s',
      baseline,
      goal: '≥ 50% of baseline',
      met: json >= bare / 2,
    },
  ];
}
