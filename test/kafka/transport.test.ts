import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DSSE_PAYLOAD_TYPE, type DsseEnvelope } from '../../schemas/bundle.js';
import type { Delivery } from '../../schemas/transport.js';
import { BUNDLE_FILE_HEADER } from '../../transport/kafka-bundles.js';
import { DLQ_REASON_HEADER, DLQ_SOURCE_HEADER } from '../../transport/kafka-subscriber.js';
import { createKafkaTransport, type KafkaTransport } from '../../transport/kafka.js';
import { makeObservation, makeObservations } from '../transport/observations.js';
import { startTestBroker, type TestBroker } from './broker.js';
import { collect, quietLogger, uniqueTopics } from './kafka-helpers.js';

const run = promisify(execFile);

let broker: TestBroker;
const transports: KafkaTransport[] = [];

function transport(): KafkaTransport {
  const created = createKafkaTransport({
    brokers: [broker.bootstrap],
    topics: uniqueTopics(),
    logger: quietLogger,
  });
  transports.push(created);
  return created;
}

/** Reads a whole topic with a plain kafkajs consumer, independent of the transport under test. */
async function readTopic(
  topic: string,
  count: number,
): Promise<{ key: string; value: string; headers: Record<string, string> }[]> {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `reader-${topic}` });
  const records: { key: string; value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        records.push({ key: String(message.key), value: String(message.value), headers });
        if (records.length >= count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return records;
}

beforeAll(async () => {
  broker = await startTestBroker();
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await broker?.dispose();
});

describe('Kafka transport (real broker)', () => {
  it('delivers what was published, each session in publish order on one partition', async () => {
    const kafka = transport();
    const sessions = ['alpha', 'beta', 'gamma'];
    const published = new Map(sessions.map((s) => [s, makeObservations(s, 'obs', 20)]));
    for (let part = 0; part < 4; part += 1) {
      // Interleave sessions within each publish, as a receiver batching several agents would.
      await kafka.publisher.publish(sessions.flatMap((s) => published.get(s)!.slice(part * 5, part * 5 + 5)));
    }

    const received = await collect(kafka.subscriber({ groupId: 'order' }), 60);

    expect(received).toHaveLength(60);
    for (const session of sessions) {
      const mine = received.filter((d) => d.observation.session_id === session);
      expect(mine.map((d) => d.observation)).toEqual(published.get(session));
      expect(new Set(mine.map((d) => d.partition)).size).toBe(1);
      const offsets = mine.map((d) => BigInt(d.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
    }
  });

  it('redelivers from the committed offset when a consumer of the group restarts', async () => {
    const kafka = transport();
    const batch = makeObservations('one-session', 'obs', 10);
    await kafka.publisher.publish(batch);

    const first = kafka.subscriber({ groupId: 'restart' });
    const seen: Delivery[] = [];
    let nextOffset = '';
    await first.run(async (deliveries) => {
      seen.push(...deliveries);
      if (seen.length < 10) return;
      // Handled the first six only.
      nextOffset = (BigInt(seen[5]!.offset) + 1n).toString();
      await first.commit(new Map([[seen[0]!.partition, nextOffset]]));
      await first.close();
    });
    expect(seen.map((d) => d.observation.id)).toEqual(batch.map((o) => o.id));

    const again = await collect(kafka.subscriber({ groupId: 'restart' }), 4);
    expect(again[0]!.offset).toBe(nextOffset);
    expect(again.map((d) => d.observation.id)).toEqual(batch.slice(6).map((o) => o.id));
  });

  it('reports a partition lagging while fetched batches have records behind them, and not at its end', async () => {
    const kafka = transport();
    // ~4 MB on one partition: more than one fetch (kafkajs takes at most 1 MiB per partition per fetch).
    const backlog = makeObservations('flooded', 'x'.repeat(2000), 2000);
    for (let i = 0; i < backlog.length; i += 500) await kafka.publisher.publish(backlog.slice(i, i + 500));
    const subscriber = kafka.subscriber({ groupId: 'lagging' });
    const lagging: number[][] = [];
    let received = 0;
    await subscriber.run(async (batch) => {
      lagging.push([...subscriber.lagging()]);
      received += batch.length;
      if (received >= backlog.length) await subscriber.close();
    });
    expect(lagging.length).toBeGreaterThan(1);
    expect(lagging[0]).toHaveLength(1);
    expect(lagging.at(-1)).toEqual([]);
  });

  it('sends poison records straight to the DLQ with a reason header and goes on delivering', async () => {
    const kafka = transport();
    const [good1, good2] = makeObservations('s', 'good', 2);
    await kafka.publisher.publish([good1!]);
    const raw = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await raw.connect();
    await raw.send({
      topic: kafka.topics.observations,
      messages: [
        { key: 's', value: 'not json at all' },
        { key: 's', value: JSON.stringify({ ...good1, schema: 'other/v9' }) },
      ],
    });
    await raw.disconnect();
    await kafka.publisher.publish([good2!]);

    const subscriber = kafka.subscriber({ groupId: 'poison' });
    const delivered = await collect(subscriber, 2);
    expect(delivered.map((d) => d.observation.id)).toEqual([good1!.id, good2!.id]);

    const rejecting = kafka.subscriber({ groupId: 'poison-2' });
    await rejecting.run(async (deliveries) => {
      await rejecting.deadLetter(deliveries[0]!, 'cannot assemble');
      await rejecting.close();
    });

    const dlq = await readTopic(kafka.topics.deadLetters, 5);
    const byReason = new Map(dlq.map((r) => [r.headers[DLQ_REASON_HEADER], r]));
    expect(byReason.get('cannot assemble')?.value).toBe(JSON.stringify(good1));
    const notJson = dlq.filter((r) => r.value === 'not json at all');
    expect(notJson.length).toBeGreaterThanOrEqual(1);
    expect(notJson[0]!.headers[DLQ_REASON_HEADER]).toMatch(/^not JSON/);
    expect(notJson[0]!.headers[DLQ_SOURCE_HEADER]).toMatch(
      new RegExp(`^${kafka.topics.observations}/\\d+/\\d+$`),
    );
    expect(byReason.get('schema is not proofline.observation/v1')?.key).toBe('s');
  });

  it('publishes bundles that an independent client (kcat) reads back with key and file-name header', async () => {
    const kafka = transport();
    const envelope: DsseEnvelope = {
      payloadType: DSSE_PAYLOAD_TYPE,
      payload: 'e30=',
      signatures: [{ keyid: 'k1', sig: 'c2ln' }],
    };
    await kafka.bundles.publish([{ sessionId: 'sess-9', fileName: '0001-call_1.dsse.json', envelope }]);
    await kafka.publisher.publish([makeObservation('sess-9', 'one')]);

    const kcat = async (topic: string): Promise<string> =>
      (
        await run('kcat', [
          '-b',
          broker.bootstrap,
          '-C',
          '-t',
          topic,
          '-o',
          'beginning',
          '-e',
          '-q',
          '-f',
          '%k\t%h\t%s\n',
        ])
      ).stdout.trim();
    const hasKcat = await run('kcat', ['-V']).then(
      () => true,
      () => false,
    );
    if (hasKcat) {
      expect(await kcat(kafka.topics.bundles)).toBe(
        `sess-9\t${BUNDLE_FILE_HEADER}=0001-call_1.dsse.json\t${JSON.stringify(envelope)}`,
      );
      const [key, , value] = (await kcat(kafka.topics.observations)).split('\t');
      expect(key).toBe('sess-9');
      expect(JSON.parse(value!)).toMatchObject({ session_id: 'sess-9', name: 'one' });
    } else {
      // Without kcat, the independent reader is a plain kafkajs consumer.
      const [record] = await readTopic(kafka.topics.bundles, 1);
      expect(record).toEqual({
        key: 'sess-9',
        value: JSON.stringify(envelope),
        headers: { [BUNDLE_FILE_HEADER]: '0001-call_1.dsse.json' },
      });
    }
  });
});
