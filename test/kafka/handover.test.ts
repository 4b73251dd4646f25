// The handover topic on a real broker (transport/kafka-handover.ts): a member taking a partition over waits
// for its previous owner's release while that owner is in the group, goes on without it once it is not, and
// reads past records that do not validate (the topic is input: schemas/handover.ts).
import { Kafka, logLevel, type Producer, type ProducerRecord } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HANDOVER_SCHEMA, ownerKey, parseHandoverRecord, sessionKey } from '../../schemas/handover.js';
import type { SessionHandoverState } from '../../schemas/transport.js';
import { createKafkaTransport, type KafkaTransport } from '../../transport/kafka.js';
import { startTestBroker, type TestBroker } from './broker.js';
import { quietLogger, uniqueTopics } from './kafka-helpers.js';

let broker: TestBroker;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await broker?.dispose();
});

function transportOn(topics: ReturnType<typeof uniqueTopics>): KafkaTransport {
  const transport = createKafkaTransport({ brokers: [broker.bootstrap], topics, logger: quietLogger });
  closers.push(() => transport.close());
  return transport;
}

/** A real member of `group` (a consumer that joined it), and its member id. */
async function memberOf(group: string, topic: string): Promise<string> {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: group });
  closers.push(() => consumer.disconnect());
  const joined = new Promise<string>((resolve) =>
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => resolve(payload.memberId)),
  );
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachBatch: async () => undefined });
  return joined;
}

/** The owner markers on a partition of the handover topic, in order. */
async function ownerMarkers(topic: string, group: string, partition: number): Promise<string[]> {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const end = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition)!;
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `reader-${Math.random()}` });
  const markers: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition: p, message }) => {
        if (p !== partition) return;
        if (message.key?.toString() === ownerKey(group)) {
          try {
            const marker = parseHandoverRecord(ownerKey(group), message.value);
            if (marker.type === 'owner') markers.push(`${marker.state} ${marker.member}`);
          } catch {
            markers.push('invalid');
          }
        }
        if (BigInt(message.offset) + 1n >= BigInt(end.high)) resolve();
      },
    });
  });
  await consumer.disconnect();
  return markers;
}

async function sendWithRetries(producer: Producer, record: ProducerRecord): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await producer.send(record);
      return;
    } catch (error) {
      if (attempt >= 10 || (error as { retriable?: boolean }).retriable !== true) throw error;
    }
  }
}

const state = (sessionId: string, partition: number): SessionHandoverState => ({
  sessionId,
  partition,
  chain: [{ actionId: 'call-1', digest: 'b'.repeat(64) }],
  sealed: null,
  lateRecords: 1,
  readOffset: 7n,
  envelopes: ['{"the step\'s signed records":1}'],
});

describe('handover topic (real broker)', () => {
  it('a new owner waits for the release of an owner still in the group, then reads its sessions', async () => {
    const topics = uniqueTopics();
    const group = `handover-${topics.handover}`;
    const old = transportOn(topics).handover(group);
    await old.start();
    const oldMember = await memberOf(group, topics.observations);
    await old.adopt([2], oldMember);
    await old.publish([state('s-2', 2)]);

    const next = transportOn(topics).handover(group);
    await next.start();
    const adopted = next.adopt([2], 'next-member');
    // The old owner is still in the group: the new one waits for its release, which comes after its last state.
    await old.publish([{ ...state('s-2', 2), lateRecords: 2 }]);
    await old.release([2], oldMember);
    await adopted;

    expect(next.session(2, 's-2')).toEqual({
      chain: [{ actionId: 'call-1', digest: 'b'.repeat(64) }],
      sealed: null,
      lateRecords: 2,
      readOffset: 7n,
      // Released: the old owner had written its records; only from an owner that died are they handed on.
      envelopes: [],
    });
    expect(next.session(1, 's-2')).toBeUndefined();
    expect(await ownerMarkers(topics.handover, group, 2)).toEqual([
      `claimed ${oldMember}`,
      `released ${oldMember}`,
      'claimed next-member',
    ]);
  });

  it('goes on without a release from an owner no longer in the group, past records that do not validate', async () => {
    const topics = uniqueTopics();
    const group = `handover-${topics.handover}`;
    const gone = transportOn(topics).handover(group);
    await gone.start();
    await gone.adopt([0], 'a-member-that-died');
    await gone.publish([state('s-0', 0)]);
    // Forged or broken records, as anyone who can write the topic could put there.
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    // A partition whose topic was just created may not have its leader known to a fresh client yet.
    await sendWithRetries(producer, {
      topic: topics.handover,
      messages: [
        { partition: 0, key: sessionKey(group, 's-0'), value: '{"not":"a handover record"}' },
        { partition: 0, key: ownerKey(group), value: 'garbage' },
        { partition: 0, key: sessionKey(group, 's-1'), value: JSON.stringify({ session_id: 's-0' }) },
        { partition: 0, key: sessionKey(group, 's-3'), value: null },
        // Valid records of another group on the same topic: not this group's business.
        {
          partition: 0,
          key: sessionKey('another-group', 's-0'),
          value: JSON.stringify({
            schema: HANDOVER_SCHEMA,
            type: 'session',
            group: 'another-group',
            session_id: 's-0',
            chain: [],
            sealed: 'c'.repeat(64),
            late_records: 99,
            read_offset: '1',
          }),
        },
      ],
    });
    await producer.disconnect();

    const next = transportOn(topics).handover(group);
    await next.start();
    await next.adopt([0], 'survivor');
    expect(next.session(0, 's-0')).toMatchObject({
      sealed: null,
      lateRecords: 1,
      envelopes: state('s-0', 0).envelopes,
    });
    expect(next.session(0, 's-1')).toBeUndefined();
    expect(await ownerMarkers(topics.handover, group, 0)).toEqual([
      'claimed a-member-that-died',
      'invalid',
      'claimed survivor',
    ]);
  });
});
