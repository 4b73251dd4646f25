// Sealed records/s with 1, 2 and 3 `proofline assemble --kafka` processes in one consumer group, each with its
// own data directory, on the same records: the group is stable before the first record is written, the
// records go onto the observations topic with a bare producer, and the clock stops when the bundles topic
// holds a seal for every session (sessions are sealed by the idle timeout: they have no session_end).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { Kafka, logLevel, type Admin, type Message } from 'kafkajs';

import { predicateKind } from '../schemas/bundle.js';
import { ENV } from '../schemas/endpoints.js';
import { topicNames } from '../schemas/topics.js';
import { chunksOf } from '../transport/kafka-producer.js';
import { freshDir } from './dirs.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../cli/main.js');
/** Sessions seal this long after their last record: part of every run's time, whatever the group size. */
export const SCALE_IDLE_TIMEOUT_MS = 1000;
const MAX_CHUNK_BYTES = 512 * 1024;

/** Records/s from the first record written until every session is sealed, with `members` assemblers. */
export async function sealedRateWith(
  bootstrap: string,
  members: number,
  requests: readonly Message[][],
  sessions: number,
): Promise<number> {
  const id = randomUUID().slice(0, 8);
  const prefix = `bench-${id}`;
  const topics = topicNames(prefix);
  const group = `bench-scale-${id}`;
  const kafka = new Kafka({ clientId: 'bench-scale', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const procs: ChildProcess[] = [];
  const seals = kafka.consumer({ groupId: `bench-scale-reader-${id}` });
  try {
    for (let i = 0; i < members; i++) {
      const dataDir = await freshDir('bench-kafka-scale-');
      const args = [CLI, 'assemble', '--kafka', bootstrap, '--group', group, '--topic-prefix', prefix];
      args.push('--data', dataDir, '--settle-ms', '200', '--idle-timeout-ms', String(SCALE_IDLE_TIMEOUT_MS));
      // Their errors only: kafkajs reports a new group's first join at info and warn.
      const env = { ...process.env, [ENV.logLevel]: 'error' };
      procs.push(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], env }));
    }
    await untilMembers(admin, group, members, procs);

    const sealed = new Set<string>();
    let doubles = 0;
    await seals.connect();
    await seals.subscribe({ topics: [topics.bundles], fromBeginning: true });
    await seals.run({
      eachMessage: async ({ message }) => {
        const envelope = JSON.parse(message.value!.toString('utf8')) as { payload: string };
        const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
          predicateType: string;
          predicate: { session_id?: string };
        };
        if (predicateKind(statement.predicateType) !== 'seal') return;
        if (sealed.has(statement.predicate.session_id!)) doubles += 1;
        sealed.add(statement.predicate.session_id!);
      },
    });

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const started = performance.now();
    for (const messages of requests)
      for (const chunk of chunksOf(messages, MAX_CHUNK_BYTES))
        await producer.send({ topic: topics.observations, acks: -1, messages: chunk });
    await producer.disconnect();
    while (sealed.size < sessions) {
      if (procs.some((p) => p.exitCode !== null)) throw new Error('bench: an assembler exited');
      await delay(5);
    }
    const elapsed = performance.now() - started;
    if (doubles > 0) throw new Error(`bench: ${doubles} sessions sealed twice with ${members} assemblers`);
    return requests.flat().length / (elapsed / 1000);
  } finally {
    await seals.disconnect();
    for (const proc of procs) proc.kill('SIGTERM');
    await Promise.all(
      procs.map((p) => (p.exitCode === null ? new Promise((done) => p.once('exit', done)) : undefined)),
    );
    await admin.disconnect();
  }
}

async function untilMembers(
  admin: Admin,
  group: string,
  members: number,
  procs: readonly ChildProcess[],
): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const [described] = (await admin.describeGroups([group])).groups;
    const assigned = described?.members.filter((m) => m.memberAssignment.length > 0).length ?? 0;
    if (described?.state === 'Stable' && assigned === members) return;
    if (procs.some((p) => p.exitCode !== null)) throw new Error('bench: an assembler exited at start');
    await delay(100);
  }
  throw new Error(`bench: consumer group ${group} did not settle with ${members} members`);
}
