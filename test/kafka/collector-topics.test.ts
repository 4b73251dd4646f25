import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { Kafka, logLevel } from 'kafkajs';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { CollectorTopicConsumer, type CollectorRecord } from '../../transport/collector-topics.js';
import { startTestBroker, type TestBroker } from './broker.js';
import { quietLogger } from './kafka-helpers.js';

const otlp = protobuf.loadSync(fileURLToPath(new URL('../../schemas/otlp/otlp.proto', import.meta.url)));
const LogsData = otlp.lookupType('opentelemetry.proto.LogsData');

let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker();
});

afterAll(async () => {
  await broker?.dispose();
});

async function consumeUntil(
  consumer: CollectorTopicConsumer,
  count: number,
  timeoutMs: number,
): Promise<CollectorRecord[]> {
  const records: CollectorRecord[] = [];
  const timer = setTimeout(() => void consumer.close(), timeoutMs);
  await consumer.run(async (batch) => {
    records.push(...batch);
    if (records.length >= count) await consumer.close();
  });
  clearTimeout(timer);
  return records;
}

it('hands the kafkaexporter records over as raw bytes with the configured encoding, and commits them', async () => {
  const id = randomUUID().slice(0, 8);
  const topics = { logs: `otlp_logs-${id}`, traces: `otlp_spans-${id}` };
  const options = {
    brokers: [broker.bootstrap],
    logger: quietLogger,
    groupId: `collector-${id}`,
    logs: { topic: topics.logs },
    traces: { topic: topics.traces, encoding: 'otlp_json' as const },
  };
  const logsBytes = Buffer.from(
    LogsData.encode(
      LogsData.fromObject({
        resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'codex.tool_result' } }] }] }],
      }),
    ).finish(),
  );
  const tracesJson = Buffer.from(
    JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'exec_command' }] }] }] }),
  );

  // The consumer creates the topics (the broker does not auto-create); start it before the "collector" writes.
  const consumer = new CollectorTopicConsumer(options);
  const consumed = consumeUntil(consumer, 2, 30_000);
  const producer = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  for (let attempt = 0; ; attempt += 1) {
    try {
      await producer.send({ topic: topics.logs, messages: [{ value: logsBytes }] });
      await producer.send({ topic: topics.traces, messages: [{ value: tracesJson }] });
      break;
    } catch (error) {
      if (attempt > 50) throw error; // topics not created yet
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await producer.disconnect();
  const records = await consumed;

  const logs = records.find((r) => r.signal === 'logs')!;
  expect(logs).toMatchObject({ topic: topics.logs, encoding: 'otlp_proto' });
  expect(logs.bytes.equals(logsBytes)).toBe(true);
  expect(LogsData.toObject(LogsData.decode(logs.bytes))).toMatchObject({
    resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'codex.tool_result' } }] }] }],
  });
  const traces = records.find((r) => r.signal === 'traces')!;
  expect(traces).toMatchObject({ topic: topics.traces, encoding: 'otlp_json' });
  expect(traces.bytes.equals(tracesJson)).toBe(true);

  // Committed after the callback: the same group starts after them and sees nothing more.
  const again = await consumeUntil(new CollectorTopicConsumer(options), 1, 5_000);
  expect(again).toEqual([]);
});
