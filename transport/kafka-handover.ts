// The handover topic (schemas/handover.ts) for a consumer group of assemblers: each member writes the state of
// the sessions it works on as it goes, and marks the partitions it owns `claimed` and, once it has stopped
// working on them, `released`. A member given a partition takes it over only after its previous owner
// released it, or left the group without doing so (killed): it then reads what that owner left.
//
// Every member reads the whole topic all the time (a consumer of its own that never commits): taking a
// partition over is then waiting until that reader has reached the partition's end, not a read from scratch.
import { randomUUID } from 'node:crypto';

import type { Admin, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

import {
  HANDOVER_SCHEMA,
  ownerKey,
  parseHandoverRecord,
  sessionKey,
  type OwnerMarker,
  type SessionHandover,
} from '../schemas/handover.js';
import type { HandedOverSession, PartitionHandover, SessionHandoverState } from '../schemas/transport.js';
import { ConfigError } from '../schemas/errors.js';
import { TransportUnavailableError } from '../schemas/transport.js';

import { ConsumerLoop } from './kafka-consumer-loop.js';
import type { ReliableProducer } from './kafka-producer.js';
import { ensureTopics, type TopicSpec } from './kafka-topics.js';

/** How often a member waiting for a partition's previous owner asks whether that owner is still in the group. */
const MEMBERSHIP_POLL_MS = 500;

export interface KafkaHandoverOptions {
  spec: TopicSpec;
  observations: TopicSpec;
  /** The assemblers' consumer group (whose members own the partitions). */
  groupId: string;
  /** Owned by the handover log and closed with it. */
  producer: ReliableProducer;
  /** The largest record the brokers take. */
  maxRecordBytes: number;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export class KafkaHandover implements PartitionHandover {
  private readonly sessions = new Map<number, Map<string, SessionHandover>>();
  private readonly owners = new Map<number, OwnerMarker>();
  /** Next offset the reader will read, per partition. */
  private readonly positions = new Map<number, bigint>();
  private readonly waiting = new Set<() => void>();
  /** Partitions taken over from an owner that left without releasing them. */
  private readonly orphaned = new Set<number>();
  /** Reads the whole topic in a group of its own, committing nothing (the same restarts as the subscriber's). */
  private readonly reader: ConsumerLoop;
  private readonly admin: Admin;
  private readerFailed: unknown;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaHandoverOptions,
  ) {
    this.reader = new ConsumerLoop(kafka, {
      groupId: `${options.groupId}.handover-reader.${randomUUID()}`,
      topics: [options.spec],
    });
    this.admin = kafka.admin();
  }

  /** Creates the topic if missing, checks it has a partition for every observations partition, and starts
   * reading it. */
  async start(): Promise<void> {
    const { spec, observations } = this.options;
    const observationsTopic = observations.topic;
    await this.admin.connect();
    await ensureTopics(this.kafka, [observations, spec]);
    const metadata = await this.admin.fetchTopicMetadata({ topics: [observationsTopic, spec.topic] });
    const count = (topic: string) => metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
    if (count(spec.topic) < count(observationsTopic))
      throw new ConfigError(
        `${spec.topic} has ${count(spec.topic)} partitions, fewer than ${observationsTopic} (${count(observationsTopic)})`,
      );
    this.reader
      .run((payload) => this.read(payload))
      .catch((error: unknown) => {
        this.readerFailed = error;
        this.wake();
      });
  }

  session(partition: number, sessionId: string): HandedOverSession | undefined {
    const state = this.sessions.get(partition)?.get(sessionId);
    if (state === undefined) return undefined;
    return {
      chain: state.chain.map((link) => ({ actionId: link.action_id, digest: link.digest })),
      sealed: state.sealed,
      lateRecords: state.late_records,
      readOffset: BigInt(state.read_offset),
      // A writer that released the partition had written them; one that died may not have.
      envelopes: this.orphaned.has(partition) ? state.envelopes : [],
    };
  }

  async publish(states: readonly SessionHandoverState[]): Promise<void> {
    if (states.length === 0) return;
    await this.options.producer.send(
      this.options.spec.topic,
      states.map((state) => {
        const value: SessionHandover = {
          schema: HANDOVER_SCHEMA,
          type: 'session',
          group: this.options.groupId,
          session_id: state.sessionId,
          chain: state.chain.map((link) => ({ action_id: link.actionId, digest: link.digest })),
          sealed: state.sealed,
          late_records: state.lateRecords,
          read_offset: state.readOffset.toString(),
          envelopes: state.envelopes,
        };
        let text = JSON.stringify(value);
        if (Buffer.byteLength(text) > this.options.maxRecordBytes) {
          // Too large for one record: the state without the step's records (a kill before their write then
          // has the next owner sign those actions again).
          this.options.logger.warn(
            { session_id: state.sessionId, records: state.envelopes.length },
            "a step's signed records are too large for the handover topic: handed over without them",
          );
          text = JSON.stringify({ ...value, envelopes: [] });
        }
        return {
          partition: state.partition,
          key: sessionKey(this.options.groupId, state.sessionId),
          value: text,
        };
      }),
    );
  }

  /** Waits until each partition's previous owner has released it (or is no longer in the group), with everything
   * it wrote read, then claims them for `member`. */
  async adopt(partitions: readonly number[], member: string): Promise<void> {
    await this.readToEnd();
    for (const partition of partitions) {
      this.orphaned.delete(partition);
      for (;;) {
        const owner = this.owners.get(partition);
        if (owner === undefined || owner.state === 'released' || owner.member === member) break;
        if (!(await this.inGroup(owner.member))) {
          // Gone without a release (killed, or expelled): what it did after its last published state is redone.
          this.options.logger.warn(
            { partition, previous: owner.member },
            'previous owner left without handing over: going on from its last published state',
          );
          this.orphaned.add(partition);
          break;
        }
        await this.changed(MEMBERSHIP_POLL_MS);
      }
      if (this.owners.get(partition)?.member !== member || this.owners.get(partition)?.state !== 'claimed')
        await this.mark(partition, member, 'claimed');
    }
    await this.readToEnd();
  }

  async release(partitions: readonly number[], member: string): Promise<void> {
    for (const partition of partitions) await this.mark(partition, member, 'released');
  }

  async close(): Promise<void> {
    await this.reader.close().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
    await this.options.producer.close();
  }

  private async mark(partition: number, member: string, state: OwnerMarker['state']): Promise<void> {
    const { groupId: group, spec } = this.options;
    const marker: OwnerMarker = { schema: HANDOVER_SCHEMA, type: 'owner', group, member, state };
    await this.options.producer.send(spec.topic, [
      { partition, key: ownerKey(group), value: JSON.stringify(marker) },
    ]);
  }

  private async read({ batch }: EachBatchPayload): Promise<void> {
    const { partition } = batch;
    for (const message of batch.messages) {
      try {
        const record = parseHandoverRecord(message.key?.toString('utf8') ?? null, message.value);
        // Another group's assemblers (reading the same observations for themselves) share the topic.
        if (record.group !== this.options.groupId) continue;
        if (record.type === 'owner') this.owners.set(partition, record);
        else {
          let sessions = this.sessions.get(partition);
          if (!sessions) this.sessions.set(partition, (sessions = new Map()));
          sessions.set(record.session_id, record);
        }
      } catch (error) {
        this.options.logger.error(
          { topic: batch.topic, partition, offset: message.offset, reason: (error as Error).message },
          'handover record skipped: it does not validate',
        );
      }
    }
    if (!batch.isEmpty()) this.positions.set(partition, BigInt(batch.lastOffset()) + 1n);
    this.wake();
  }

  /** Until the reader has read every partition up to where it ended when this was called. */
  private async readToEnd(): Promise<void> {
    const ends = await away('reading the handover topic offsets', () =>
      this.admin.fetchTopicOffsets(this.options.spec.topic),
    );
    for (;;) {
      if (this.readerFailed !== undefined) throw this.readerFailed;
      const behind = ends.some(({ partition, high, low }) => {
        const position = this.positions.get(partition) ?? BigInt(low);
        return position < BigInt(high);
      });
      if (!behind) return;
      await this.changed(MEMBERSHIP_POLL_MS);
    }
  }

  private async inGroup(member: string): Promise<boolean> {
    const { groups } = await away('describing the consumer group', () =>
      this.admin.describeGroups([this.options.groupId]),
    );
    return groups.some((group) => group.members.some((m) => m.memberId === member));
  }

  /** Resolves when the reader read something, or after `ms` (for conditions outside the topic). */
  private changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiting.add(done);
    });
  }

  private wake(): void {
    for (const done of [...this.waiting]) done();
  }
}

/** A broker that does not answer now is a passing failure: the run loop retries the handover step. */
async function away<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw new TransportUnavailableError(`kafka: ${what} failed: ${(cause as Error).message}`, undefined, {
      cause,
    });
  }
}
