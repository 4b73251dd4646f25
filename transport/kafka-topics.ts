// The topics' partitioning (their names are in schemas/topics.ts), and creating the missing ones. Brokers in production often
// forbid auto-creation (ours does), so each client makes sure its topics exist before first use.
import type { Kafka } from 'kafkajs';

import type { ProoflineTopics } from '../schemas/topics.js';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries?: { name: string; value: string }[];
}

/** Observations partitions: sessions spread over up to this many assembler instances. */
export const OBSERVATION_PARTITIONS = 6;

/** Partition counts: observations spread sessions over assembler instances; dead letters are few and read by
 * people, one partition keeps them in arrival order. */
export function prooflineTopicSpecs(topics: ProoflineTopics): TopicSpec[] {
  return [
    { topic: topics.observations, numPartitions: OBSERVATION_PARTITIONS },
    { topic: topics.deadLetters, numPartitions: 1 },
    { topic: topics.bundles, numPartitions: 3 },
    // One partition: a log's checkpoints stay in the order they were signed.
    { topic: topics.checkpoints, numPartitions: 1 },
    // Partition n holds the handover state of observations partition n; only the latest record per key counts.
    {
      topic: topics.handover,
      numPartitions: OBSERVATION_PARTITIONS,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    },
  ];
}

/** Creates the topics that do not exist yet (replication: the broker's default); existing ones are left as
 * they are. */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
