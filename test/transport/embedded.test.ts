import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Delivery, ObservationSubscriber } from '../../schemas/transport.js';
import { TransportUsageError } from '../../transport/errors.js';
import { openEmbeddedTransport, type EmbeddedTransport } from '../../transport/embedded.js';
import { makeObservation, makeObservations } from './observations.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

let dir: string;
let path: string;
const open: EmbeddedTransport[] = [];

async function openTransport(): Promise<EmbeddedTransport> {
  const transport = await openEmbeddedTransport({ path });
  open.push(transport);
  return transport;
}

async function closeTransport(transport: EmbeddedTransport): Promise<void> {
  await transport.close();
  open.splice(open.indexOf(transport), 1);
}

/** Runs the subscriber until `count` deliveries arrived, then closes it and returns them. */
async function consume(subscriber: ObservationSubscriber, count: number): Promise<Delivery[]> {
  const received: Delivery[] = [];
  const done = subscriber.run(async (batch) => {
    received.push(...batch);
    if (received.length >= count) await subscriber.close();
  });
  await done;
  return received;
}

async function count(transport: EmbeddedTransport, sql: string): Promise<number> {
  const reader = await transport.connection.runAndReadAll(sql);
  return Number(reader.getRows()[0]![0]);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'proofline-embedded-'));
  path = join(dir, 'pipeline.duckdb');
});

afterEach(async () => {
  for (const transport of open.splice(0)) await transport.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded transport', () => {
  it('delivers published observations in publish order with seq offsets on partition 0', async () => {
    const transport = await openTransport();
    const first = [...makeObservations('a', 'one', 3), ...makeObservations('b', 'one', 2)];
    const second = makeObservations('a', 'two', 4);
    await transport.publisher.publish(first);
    await transport.publisher.publish(second);

    const received = await consume(transport.subscriber({ maxBatchSize: 4 }), 9);

    expect(received.map((d) => d.observation.id)).toEqual([...first, ...second].map((o) => o.id));
    expect(received.map((d) => d.offset)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
    expect(new Set(received.map((d) => d.partition))).toEqual(new Set([0]));
    expect(received[0]!.observation).toEqual(first[0]);
  });

  it('bounds batches by maxBatchSize', async () => {
    const transport = await openTransport();
    await transport.publisher.publish(makeObservations('a', 'x', 10));
    const sizes: number[] = [];
    const subscriber = transport.subscriber({ maxBatchSize: 3 });
    let total = 0;
    await subscriber.run(async (batch) => {
      sizes.push(batch.length);
      total += batch.length;
      if (total === 10) await subscriber.close();
    });
    expect(sizes).toEqual([3, 3, 3, 1]);
  });

  it('skips observations already stored or repeated within a batch, and still resolves', async () => {
    const transport = await openTransport();
    const batch = makeObservations('a', 'x', 5);
    await transport.publisher.publish(batch);
    await transport.publisher.publish(batch);
    const fresh = makeObservation('a', 'fresh');
    await transport.publisher.publish([batch[1]!, fresh, fresh, batch[3]!]);

    expect(await count(transport, 'SELECT count(*) FROM observations')).toBe(6);
    const received = await consume(transport.subscriber(), 6);
    expect(received.map((d) => d.observation.id)).toEqual([...batch, fresh].map((o) => o.id));
    // Skipped rows leave no gap: offsets stay contiguous.
    expect(received.map((d) => d.offset)).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  // A publish mixing stored and new records once left a half-open appender whose finalizer, run by the GC at
  // some later moment, aborted another publish's transaction (a 503 on ingest); found by the pipeline fuzz.
  it('never fails a publish over a mix of re-delivered and new records, however many', async () => {
    const transport = await openTransport();
    const subscriber = transport.subscriber();
    const reading = subscriber.run(async (deliveries) => {
      await subscriber.commit(new Map([[0, String(BigInt(deliveries.at(-1)!.offset) + 1n)]]));
    });
    const pool = makeObservations('mixed', 'r', 400);
    let failed = 0;
    for (let round = 0; round < 800; round++) {
      const batch = Array.from({ length: 20 }, (_, k) => pool[(round * 7 + k) % pool.length]!);
      await transport.publisher.publish(batch).catch(() => (failed += 1));
    }
    await subscriber.close();
    await reading;
    expect(failed).toBe(0);
    expect(await count(transport, 'SELECT count(*) FROM observations')).toBe(pool.length);
  });

  it('keeps each concurrent publish contiguous (writers are serialized)', async () => {
    const transport = await openTransport();
    const batches = Array.from({ length: 12 }, (_, i) => makeObservations(`s${i}`, 'x', 50));
    await Promise.all(batches.map((batch) => transport.publisher.publish(batch)));

    const received = await consume(transport.subscriber({ maxBatchSize: 1000 }), 600);
    const sessions = received.map((d) => d.observation.session_id);
    for (const batch of batches) {
      const start = sessions.indexOf(batch[0]!.session_id);
      expect(received.slice(start, start + 50).map((d) => d.observation.id)).toEqual(batch.map((o) => o.id));
    }
  });

  it('wakes an idle subscriber as soon as the publisher commits, without waiting for the poll', async () => {
    const transport = await openTransport();
    const subscriber = transport.subscriber({ pollIntervalMs: 60_000 });
    let deliveredAt = 0;
    const done = subscriber.run(async () => {
      deliveredAt = Date.now();
      await subscriber.close();
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // let it find the log empty and go idle
    const publishedAt = Date.now();
    await transport.publisher.publish([makeObservation('a', 'wake')]);
    await done;
    expect(deliveredAt - publishedAt).toBeLessThan(1000);
  });

  it('redelivers exactly from the committed offset after a reopen; other consumers start at 0', async () => {
    const batch = makeObservations('a', 'x', 10);
    const transport = await openTransport();
    await transport.publisher.publish(batch);
    const subscriber = transport.subscriber({ consumer: 'assembler' });
    await subscriber.run(async (deliveries) => {
      expect(deliveries).toHaveLength(10);
      await subscriber.commit(new Map([[0, '6']])); // handled the first six only
      await subscriber.close();
    });
    await closeTransport(transport);

    const reopened = await openTransport();
    const again = await consume(reopened.subscriber({ consumer: 'assembler' }), 4);
    expect(again.map((d) => d.offset)).toEqual(['6', '7', '8', '9']);
    expect(again.map((d) => d.observation.id)).toEqual(batch.slice(6).map((o) => o.id));
    const other = await consume(reopened.subscriber({ consumer: 'auditor' }), 10);
    expect(other.map((d) => d.offset)[0]).toBe('0');
  });

  it('dead-letters on request and on its own for rows that are not Observations; later rows still arrive', async () => {
    const transport = await openTransport();
    const good = makeObservations('a', 'x', 2);
    await transport.publisher.publish([good[0]!]);
    // A foreign row written past the publisher, as a corrupted or hand-edited file would hold.
    await transport.connection.run(
      `INSERT INTO observations VALUES (1, 'bogus', 'a', '{"schema":"something-else"}')`,
    );
    await transport.publisher.publish([good[1]!]);

    const subscriber = transport.subscriber();
    const received = await consume(subscriber, 2);
    expect(received.map((d) => d.offset)).toEqual(['0', '2']);
    const rejectSubscriber = transport.subscriber({ consumer: 'rejecting' });
    await rejectSubscriber.run(async (deliveries) => {
      await rejectSubscriber.deadLetter(deliveries[0]!, 'cannot assemble');
      await rejectSubscriber.close();
    });

    const rows = await transport.connection.runAndReadAll(
      `SELECT consumer, "offset", observation_id, reason FROM dead_letters ORDER BY consumer, "offset"`,
    );
    expect(rows.getRowObjectsJS()).toEqual([
      {
        consumer: 'assembler',
        offset: 1n,
        observation_id: null,
        reason: 'schema is not proofline.observation/v1',
      },
      { consumer: 'rejecting', offset: 0n, observation_id: good[0]!.id, reason: 'cannot assemble' },
      {
        consumer: 'rejecting',
        offset: 1n,
        observation_id: null,
        reason: 'schema is not proofline.observation/v1',
      },
    ]);
  });

  it('returns from run() when closed while idle, and refuses publishes after close', async () => {
    const transport = await openTransport();
    const subscriber = transport.subscriber({ pollIntervalMs: 60_000 });
    const running = subscriber.run(async () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await subscriber.close();
    await expect(running).resolves.toBeUndefined();
    await expect(subscriber.commit(new Map([[0, '1']]))).rejects.toBeInstanceOf(TransportUsageError);

    await closeTransport(transport);
    await expect(transport.publisher.publish([makeObservation('a', 'late')])).rejects.toMatchObject({
      code: 'TRANSPORT_USAGE',
    });
  });

  it('rejects offsets on partitions the embedded log does not have', async () => {
    const transport = await openTransport();
    await expect(transport.subscriber().commit(new Map([[1, '0']]))).rejects.toMatchObject({
      code: 'TRANSPORT_USAGE',
    });
  });

  it('keeps every acknowledged batch, whole, when the publishing process is killed with SIGKILL', async () => {
    const script = join(here, 'publish-until-killed.mjs');
    expect(existsSync(join(repo, 'dist/transport/embedded.js')), 'run `npm run build` first').toBe(true);
    // 130000 rows exceed a DuckDB row group, which DuckDB writes straight into the database file rather than the WAL.
    const child = spawn(process.execPath, [script, path, '500,2000,130000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked = new Map<number, number>();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const [, batch, size] = line.split(' ');
          acked.set(Number(batch), Number(size));
        }
        // Batch 6 is 500 rows; batch 8 (130000 rows) is mid-transaction when the kill lands.
        if (acked.has(6) && !child.killed) {
          setTimeout(() => child.kill('SIGKILL'), 150);
          child.removeAllListeners('exit');
          child.on('exit', () => resolve());
        }
      });
    });

    const transport = await openTransport();
    const reader = await transport.connection.runAndReadAll(
      `SELECT (observation->>'$.attrs.batch')::INTEGER AS batch, count(*)::INTEGER AS n FROM observations GROUP BY 1 ORDER BY 1`,
    );
    const stored = new Map(reader.getRows().map(([batch, n]) => [Number(batch), Number(n)]));
    expect(acked.size).toBeGreaterThanOrEqual(7);
    for (const [batch, size] of acked) expect(stored.get(batch), `acked batch ${batch}`).toBe(size);
    // One transaction per publish: a batch the kill interrupted is absent, never partial.
    for (const [batch, n] of stored) expect(n).toBe([500, 2000, 130000][batch % 3]);
  });
});
