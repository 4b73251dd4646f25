// The broker goes away mid-stream and comes back: publishing fails fast with TransportUnavailableError while it
// is gone, then resumes by itself, and the consumer — running throughout — ends up with every acknowledged
// observation. Always on a broker of its own, since it stops it.
import { afterAll, beforeAll, expect, it } from 'vitest';

import type { Observation } from '../../schemas/observation.js';
import { TransportUnavailableError } from '../../schemas/transport.js';
import { createKafkaTransport, type KafkaTransport } from '../../transport/kafka.js';
import { makeObservations } from '../transport/observations.js';
import { startTestBroker, type TestBroker } from './broker.js';
import { quietLogger, uniqueTopics } from './kafka-helpers.js';

let broker: TestBroker;
let kafka: KafkaTransport;

beforeAll(async () => {
  broker = await startTestBroker(true);
  kafka = createKafkaTransport({ brokers: [broker.bootstrap], topics: uniqueTopics(), logger: quietLogger });
});

afterAll(async () => {
  await kafka?.close();
  await broker?.dispose();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

it('rejects quickly while the broker is down, recovers when it is back, and loses nothing acknowledged', async () => {
  const acknowledged: Observation[] = [];
  const failures: { error: unknown; ms: number }[] = [];
  const received = new Set<string>();
  const subscriber = kafka.subscriber({ groupId: 'outage' });
  const consuming = subscriber.run(async (deliveries) => {
    for (const d of deliveries) received.add(d.observation.id);
  });

  let stopPublishing = false;
  const publishing = (async () => {
    for (let round = 0; !stopPublishing; round += 1) {
      const batch = makeObservations(`session-${round % 5}`, `round-${round}`, 10);
      const started = Date.now();
      try {
        await kafka.publisher.publish(batch);
        acknowledged.push(...batch);
      } catch (error) {
        failures.push({ error, ms: Date.now() - started });
      }
      await sleep(50);
    }
  })();

  await waitFor(() => acknowledged.length >= 100, 30_000, 'publishing before the outage');
  await broker.stop();
  const ackedBeforeRestart = acknowledged.length;
  await waitFor(() => failures.length >= 2, 30_000, 'publish failures while the broker is down');
  await broker.start();
  await waitFor(
    () => acknowledged.length >= ackedBeforeRestart + 100,
    60_000,
    'publishing after the restart',
  );
  stopPublishing = true;
  await publishing;

  for (const { error, ms } of failures) {
    expect(error).toBeInstanceOf(TransportUnavailableError);
    expect(error).toMatchObject({ code: 'TRANSPORT_UNAVAILABLE', retryAfterSeconds: 5 });
    expect(ms).toBeLessThan(8_000);
  }
  await waitFor(() => acknowledged.every((o) => received.has(o.id)), 60_000, 'the consumer to catch up');
  await subscriber.close();
  await consuming;
}, 180_000);

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
