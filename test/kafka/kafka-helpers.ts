// Shared by the Kafka tests: per-test topic names (tests share a broker), a quiet logger, and collecting
// deliveries from a subscriber.
import { randomUUID } from 'node:crypto';

import { pino } from 'pino';

import type { Delivery, ObservationSubscriber } from '../../schemas/transport.js';
import type { ProoflineTopics } from '../../schemas/topics.js';

export const quietLogger = pino({ level: 'error' });

export function uniqueTopics(): ProoflineTopics {
  const id = randomUUID().slice(0, 8);
  return {
    observations: `test-${id}.observations`,
    deadLetters: `test-${id}.dlq`,
    bundles: `test-${id}.bundles`,
    checkpoints: `test-${id}.checkpoints`,
    handover: `test-${id}.handover`,
  };
}

/** Runs the subscriber until `count` deliveries arrived (or `timeoutMs` passed), then closes it. */
export async function collect(
  subscriber: ObservationSubscriber,
  count: number,
  timeoutMs = 30_000,
): Promise<Delivery[]> {
  const received: Delivery[] = [];
  const timer = setTimeout(() => void subscriber.close(), timeoutMs);
  await subscriber.run(async (batch) => {
    received.push(...batch);
    if (received.length >= count) await subscriber.close();
  });
  clearTimeout(timer);
  return received;
}
