// Records/s through the Kafka deployment: OTLP log exports (many synthetic sessions made from a real capture)
// into the receiver, onto Kafka, through an assembler in a consumer group, until every session is bundled
// and sealed; beside a bare kafkajs producer writing the same Observation records with the same guarantees
// (idempotent, acks=all). The ratio is how much of Kafka's own speed proofline keeps.
//
// A broker of its own comes from deploy/kafka/broker.sh on a free port, unless PROOFLINE_KAFKA_BROKERS points
// at one; topics and group are fresh per run either way.
import { chunksOf } from '../transport/kafka-producer.js';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { DuckDBInstance } from '@duckdb/node-api';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { pino } from 'pino';

import * as assemblerConfig from '../assembler/config.js';
import * as ingestConfig from '../ingest/config.js';
import { loadGuard } from '../policy/load.js';
import { readRecords } from '../schemas/segment.js';
import { startAssembly, startIngest } from '../service/stages.js';
import { nowUnixNano } from '../ingest/normalize/observation.js';
import { normalizeOtlpRequest } from '../ingest/normalize/otlp-request.js';
import { decodeOtlp } from '../ingest/otlp/decode.js';
import { createKafkaTransport } from '../transport/kafka.js';
import { encodeObservation } from '../transport/observation-codec.js';
import { freshDir } from './dirs.js';
import { sealedRateWith, SCALE_IDLE_TIMEOUT_MS } from './kafka-scale.js';
import type { BenchRow } from './table.js';
import { encodeProtobuf, logsRequest } from './workload.js';

const REQUESTS = 20;
const RECORDS_PER_REQUEST = 1_000;
const SESSIONS_PER_REQUEST = 25;
/** The observations topic's partition count (transport/kafka-topics.ts), for the baseline topic too. */
const PARTITIONS = 6;
/** Per produce request, as the proofline producer chunks (the broker takes at most 1 MB per batch). */
const MAX_CHUNK_BYTES = 512 * 1024;

const HERE = dirname(fileURLToPath(import.meta.url));
const BROKER_SH = [
  resolve(HERE, '../deploy/kafka/broker.sh'),
  resolve(HERE, '../../deploy/kafka/broker.sh'),
].find(existsSync);
const run = promisify(execFile);

interface Broker {
  bootstrap: string;
  stop(): Promise<void>;
}

async function startBroker(): Promise<Broker> {
  const external = process.env.PROOFLINE_KAFKA_BROKERS;
  if (external) return { bootstrap: external, stop: async () => undefined };
  if (!BROKER_SH) throw new Error('deploy/kafka/broker.sh not found');
  const port = String(await freePort());
  const state = await freshDir('bench-kafka-broker-');
  const env = { ...process.env, PROOFLINE_KAFKA_STATE: state };
  const { stdout } = await run('bash', [BROKER_SH, 'start', '--port', port], { env, timeout: 300_000 });
  return {
    bootstrap: stdout.trim().split('\n').at(-1)!,
    async stop() {
      await run('bash', [BROKER_SH, 'stop', '--port', port], { env });
      await rm(state, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

/** The Kafka records the receiver makes of the bodies (value = Observation JSON, key = session id). */
function observationRecords(bodies: readonly Buffer[]): Message[][] {
  return bodies.map((body) =>
    normalizeOtlpRequest(decodeOtlp(body, 'protobuf', 'logs'), {
      storeContent: false,
      observedUnixNano: nowUnixNano(),
    }).observations.map((o) => ({ key: o.session_id, value: encodeObservation(o) })),
  );
}

/** The same records, one request's worth at a time, by a bare idempotent acks=all producer. */
async function bareProducerRate(bootstrap: string, requests: readonly Message[][]): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-baseline', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const topic = `bench-${randomUUID().slice(0, 8)}.baseline`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const started = performance.now();
    for (const messages of requests)
      for (const chunk of chunksOf(messages, MAX_CHUNK_BYTES))
        await producer.send({ topic, acks: -1, messages: chunk });
    return requests.flat().length / ((performance.now() - started) / 1000);
  } finally {
    await producer.disconnect();
  }
}

/** Receiver → Kafka → assembler → bundles, in one process as `serve --kafka` runs them. The rates: until the
 * last export was acknowledged (on Kafka), and until every session was bundled and sealed. */
async function pipelineRates(
  bootstrap: string,
  bodies: readonly Buffer[],
  records: number,
): Promise<{ acknowledged: number; sealed: number }> {
  const id = randomUUID().slice(0, 8);
  // kafkajs logs the first group join's retries as errors; a real failure throws anyway.
  const logger = pino({ level: 'fatal' });
  const transport = createKafkaTransport({
    brokers: [bootstrap],
    logger,
    topics: {
      observations: `bench-${id}.observations`,
      deadLetters: `bench-${id}.dlq`,
      bundles: `bench-${id}.bundles`,
    },
  });
  const dataDir = await freshDir('bench-kafka-');
  const index = await DuckDBInstance.create(join(dataDir, 'assembler.duckdb'));
  const connection = await index.connect();
  const group = `bench-${id}`;
  const subscriber = transport.subscriber({ groupId: group });
  const kafka = new Kafka({ clientId: 'bench-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Timers far off: sessions are sealed by the flush below, once everything was read.
    const assembly = await startAssembly(
      { ...assemblerConfig.createDefaultConfig(), dataDir, settleMs: 600_000, idleTimeoutMs: 600_000 },
      { subscriber, connection, bundleSink: (bundles) => transport.bundles.publish(bundles), logger },
    );
    const ingest = await startIngest(
      { ...ingestConfig.createDefaultConfig(), port: 0 },
      transport.publisher,
      {
        guard: loadGuard(),
      },
    );
    await untilGroupStable(admin, group);

    const started = performance.now();
    for (const body of bodies) {
      const response = await fetch(`${ingest.url}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      if (response.status !== 200)
        throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
    }
    const acknowledgedAt = performance.now();
    const ends = await admin.fetchTopicOffsets(transport.topics.observations);
    const readToEnd = () =>
      ends.every((e) => BigInt(assembly.assembler.readOffsets().get(e.partition) ?? e.low) >= BigInt(e.high));
    while (!readToEnd()) await delay(5);
    await assembly.assembler.flush();
    const sealedAt = performance.now();

    let sessions = 0;
    for await (const record of readRecords(dataDir)) if (record.kind === 'seal') sessions += 1;
    if (sessions !== REQUESTS * SESSIONS_PER_REQUEST)
      throw new Error(`bench: ${sessions} sessions bundled, expected ${REQUESTS * SESSIONS_PER_REQUEST}`);
    await ingest.close();
    await subscriber.close();
    await assembly.done;
    return {
      acknowledged: records / ((acknowledgedAt - started) / 1000),
      sealed: records / ((sealedAt - started) / 1000),
    };
  } finally {
    await admin.disconnect();
    await transport.close();
    connection.closeSync();
    index.closeSync();
  }
}

async function untilGroupStable(admin: ReturnType<Kafka['admin']>, group: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const [described] = (await admin.describeGroups([group])).groups;
    if (described?.state === 'Stable' && described.members.some((m) => m.memberAssignment.length > 0)) return;
    await delay(100);
  }
  throw new Error(`bench: consumer group ${group} did not settle`);
}

export async function benchKafka(): Promise<BenchRow[]> {
  const bodies = Array.from({ length: REQUESTS }, (_, i) =>
    encodeProtobuf(logsRequest(i * SESSIONS_PER_REQUEST, SESSIONS_PER_REQUEST, RECORDS_PER_REQUEST, i)),
  );
  const requests = observationRecords(bodies);
  const records = requests.flat().length;
  const broker = await startBroker();
  try {
    const bare = await bareProducerRate(broker.bootstrap, requests);
    const { acknowledged, sealed } = await pipelineRates(broker.bootstrap, bodies, records);
    const baseline = { name: 'bare kafkajs producer, acks=all, same records', value: bare };
    const sessions = REQUESTS * SESSIONS_PER_REQUEST;
    // Scale-out: the same records through 1, 2 and 3 assembler processes of one group.
    const scaled: number[] = [];
    for (const members of [1, 2, 3])
      scaled.push(await sealedRateWith(broker.bootstrap, members, requests, sessions));
    const scaleMeasure = (members: number) =>
      `Kafka: ${members} assembler process${members > 1 ? 'es' : ''} → sealed (${sessions} sessions, idle seal after ${SCALE_IDLE_TIMEOUT_MS} ms)`;
    const one = { name: '1 assembler process, same records', value: scaled[0]! };
    return [
      {
        measure: 'Kafka: receiver → acknowledged on Kafka',
        value: acknowledged,
        unit: 'records/s',
        baseline,
      },
      {
        measure: `Kafka: receiver → Kafka → assembler → sealed (${sessions} sessions)`,
        value: sealed,
        unit: 'records/s',
        baseline,
      },
      { measure: scaleMeasure(1), value: scaled[0]!, unit: 'records/s', baseline },
      { measure: scaleMeasure(2), value: scaled[1]!, unit: 'records/s', baseline: one },
      { measure: scaleMeasure(3), value: scaled[2]!, unit: 'records/s', baseline: one },
    ];
  } finally {
    await broker.stop();
  }
}
