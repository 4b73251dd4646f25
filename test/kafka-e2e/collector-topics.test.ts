// A site that already runs an OpenTelemetry Collector points its kafkaexporter at Kafka, and
// `proofline ingest --from-kafka` turns those topics into Observations. The captures' own OTLP bytes, written
// as the exporter writes them (one export request per record, protobuf as otlp_proto, Codex's JSON as
// otlp_json), must give the same observations — same ids, as many — as the same bytes posted over HTTP to
// `proofline ingest --kafka`, and as the receiver's normalizer makes of them in-process.
import { setTimeout as delay } from 'node:timers/promises';

import { expect, it } from 'vitest';

import { listScenarios, loadScenario, postOtlp, type OtlpRequest } from '../../service/replay.js';
import { normalizeOtlpRequest } from '../../ingest/normalize/otlp-request.js';
import { decodeOtlp } from '../../ingest/otlp/decode.js';
import type { Observation } from '../../schemas/observation.js';
import { DEFAULT_TOPICS } from '../../schemas/topics.js';
import {
  kafkaClient,
  readTopic,
  spawnProofline,
  useBroker,
  startReceiver,
  type TopicRecord,
} from './support.js';

const broker = useBroker();

type Encoding = 'otlp_proto' | 'otlp_json';
type Signal = 'logs' | 'traces';

/** The exporter's default topic names for protobuf; a second pair for JSON (one encoding per consumer). */
const TOPICS: Record<Encoding, Record<Signal, string>> = {
  otlp_proto: { logs: 'otlp_logs', traces: 'otlp_spans' },
  otlp_json: { logs: 'otlp_logs_json', traces: 'otlp_spans_json' },
};

interface Export {
  request: OtlpRequest;
  encoding: Encoding;
  signal: Signal;
}

/** Every log and trace export in the captures (the exporter has no metrics topic proofline reads). */
async function captureExports(): Promise<Export[]> {
  const exports: Export[] = [];
  for (const name of await listScenarios()) {
    for (const request of (await loadScenario(name)).otlp) {
      const json = request.contentType.includes('json');
      const { signal } = decodeOtlp(request.body, json ? 'json' : 'protobuf');
      if (signal !== 'metrics')
        exports.push({ request, encoding: json ? 'otlp_json' : 'otlp_proto', signal });
    }
  }
  return exports;
}

/** What the receiver's normalizer makes of the bytes, in-process: the ids, sorted (repeats kept). */
function normalizedIds(exports: readonly Export[]): string[] {
  return exports
    .flatMap(({ request, encoding, signal }) => {
      const decoded = decodeOtlp(request.body, encoding === 'otlp_json' ? 'json' : 'protobuf', signal);
      return normalizeOtlpRequest(decoded, { storeContent: false, observedUnixNano: '0' }).observations;
    })
    .map((o) => o.id)
    .sort();
}

/** Records on the observations topic in total (all partitions). */
async function observationCount(): Promise<number> {
  const admin = kafkaClient(broker.bootstrap).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(DEFAULT_TOPICS.observations).catch(() => []);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

async function waitForObservations(count: number, what: string): Promise<void> {
  for (let i = 0; (await observationCount()) < count; i++) {
    if (i > 300) throw new Error(`${what}: ${await observationCount()} of ${count} observations`);
    await delay(100);
  }
}

const idsOf = (records: readonly TopicRecord[]): string[] =>
  records.map((r) => (JSON.parse(r.value!.toString('utf8')) as Observation).id).sort();

it('gives the same observations from the Collector topics as from OTLP/HTTP', async () => {
  const exports = await captureExports();
  const expected = normalizedIds(exports);
  expect(new Set(exports.map((e) => e.encoding)).size, 'both encodings among the captures').toBe(2);
  expect(expected.length).toBeGreaterThan(100);

  // The exporter's broker may not auto-create (ours does not): the topics exist before it writes, and take
  // the captures' largest export (over the broker's 1 MB default), as a site's Collector topics would.
  const kafka = kafkaClient(broker.bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: Object.values(TOPICS).flatMap((t) =>
      Object.values(t).map((topic) => ({
        topic,
        numPartitions: 3,
        configEntries: [{ name: 'max.message.bytes', value: String(16 * 1024 * 1024) }],
      })),
    ),
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (const { request, encoding, signal } of exports)
    await producer.send({ topic: TOPICS[encoding][signal], acks: -1, messages: [{ value: request.body }] });
  await producer.disconnect();

  // One `ingest --from-kafka` per encoding, one after the other: they share the CLI's fixed consumer group,
  // and a group whose members subscribe to different topics is not something kafkajs assigns correctly.
  const perEncoding = (encoding: Encoding) => exports.filter((e) => e.encoding === encoding);
  for (const encoding of ['otlp_proto', 'otlp_json'] as const) {
    const before = await observationCount();
    const consumer = spawnProofline([
      'ingest',
      ...['--kafka', broker.bootstrap],
      ...['--from-kafka', `${TOPICS[encoding].logs},${TOPICS[encoding].traces}`],
      ...['--collector-encoding', encoding],
    ]);
    await waitForObservations(
      before + normalizedIds(perEncoding(encoding)).length,
      `--from-kafka ${encoding}`,
    );
    await consumer.stop();
  }
  const fromCollector = await readTopic(broker.bootstrap, DEFAULT_TOPICS.observations);

  // The same bytes over HTTP, to the paths and content types Codex used.
  const receiver = await startReceiver(broker.bootstrap);
  for (const { request } of exports)
    expect((await postOtlp(request, { url: receiver.url })).status, request.file).toBe(200);
  await waitForObservations(fromCollector.length + expected.length, 'OTLP/HTTP');
  const seen = new Set(fromCollector.map((r) => `${r.partition}/${r.offset}`));
  const fromHttp = (await readTopic(broker.bootstrap, DEFAULT_TOPICS.observations)).filter(
    (r) => !seen.has(`${r.partition}/${r.offset}`),
  );

  expect(idsOf(fromCollector)).toEqual(expected);
  expect(idsOf(fromHttp)).toEqual(expected);
}, 180_000);
