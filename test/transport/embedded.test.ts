import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Delivery, ObservationSubscriber } from '../../schemas/transport.js';
import { TransportUsageError } from '../../transport/errors.js';
import type { CommittedBatch } from '../../transport/embedded-publisher.js';
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

  it('reports its partition lagging while a batch may have more behind it, and not once it reached the end', async () => {
    const transport = await openTransport();
    await transport.publisher.publish(makeObservations('a', 'x', 7));
    const subscriber = transport.subscriber({ maxBatchSize: 3 });
    expect([...subscriber.lagging()]).toEqual([]);
    const seen: number[][] = [];
    let total = 0;
    await subscriber.run(async (batch) => {
      seen.push([...subscriber.lagging()]);
      total += batch.length;
      if (total === 7) await subscriber.close();
    });
    expect(seen).toEqual([[0], [0], []]);
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

  it('checks the id of every row this process did not publish: rows of an earlier run, rows written past it', async () => {
    const forged = (name: string) => ({ ...makeObservation('f', name), id: 'a'.repeat(64) });
    const earlier = await openTransport();
    await earlier.publisher.publish([makeObservation('f', 'fine-0'), forged('forged-earlier')]);
    await closeTransport(earlier);

    const transport = await openTransport();
    await transport.connection.run(`INSERT INTO observations VALUES (2, $id, 'f', $observation)`, {
      id: 'b'.repeat(64),
      observation: JSON.stringify({ ...forged('forged-past'), id: 'b'.repeat(64) }),
    });
    await transport.publisher.publish([makeObservation('f', 'fine-1')]);
    const received = await consume(transport.subscriber(), 2);
    expect(received.map((d) => d.observation.name)).toEqual(['fine-0', 'fine-1']);
    const rows = await transport.connection.runAndReadAll(
      `SELECT "offset", reason FROM dead_letters ORDER BY "offset"`,
    );
    expect(rows.getRowObjectsJS()).toEqual([
      { offset: 1n, reason: 'id is not the digest of the record' },
      { offset: 2n, reason: 'id is not the digest of the record' },
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

  it('commits concurrent publishes together and resolves each only once its records are committed', async () => {
    const commits: CommittedBatch[] = [];
    const transport = await openEmbeddedTransport({ path, onCommit: (batch) => commits.push(batch) });
    open.push(transport);
    const batches = Array.from({ length: 16 }, (_, i) => makeObservations(`s${i}`, 'g', 25));
    let resolved = 0;
    await Promise.all(
      batches.map(async (batch) => {
        await transport.publisher.publish(batch);
        resolved += 1;
        // The commit that holds this publish was reported before the publish resolved...
        expect(commits.reduce((sum, commit) => sum + commit.publishes, 0)).toBeGreaterThanOrEqual(resolved);
        // ...and another connection to the file already sees every one of its records.
        const ids = batch.map((o) => `'${o.id}'`).join(',');
        expect(await count(transport, `SELECT count(*) FROM observations WHERE id IN (${ids})`)).toBe(25);
      }),
    );
    expect(commits.length).toBeLessThan(batches.length);
    expect(commits.reduce((sum, commit) => sum + commit.records, 0)).toBe(16 * 25);
  });

  it('fails only the publishes the store refuses when their batch cannot commit; the rest are stored', async () => {
    const commits: CommittedBatch[] = [];
    const transport = await openEmbeddedTransport({ path, onCommit: (batch) => commits.push(batch) });
    open.push(transport);
    // A lone UTF-16 surrogate: JSON.stringify writes it, DuckDB's JSON column refuses it, so the whole group
    // commit fails; neither poisoned publish may be acknowledged, nor take the others down with it.
    const poisoned = [makeObservation('\ud800', 'p1'), makeObservation('s-\udfff', 'p2')];
    const good = Array.from({ length: 6 }, (_, i) => makeObservations(`ok${i}`, 'x', 10));
    const outcomes = await Promise.allSettled([
      transport.publisher.publish([poisoned[0]!]),
      ...good.map((batch) => transport.publisher.publish(batch)),
      transport.publisher.publish([poisoned[1]!]),
    ]);
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: { code: 'TRANSPORT_UNAVAILABLE' } });
    expect(outcomes.at(-1)).toMatchObject({ status: 'rejected', reason: { code: 'TRANSPORT_UNAVAILABLE' } });
    expect(outcomes.slice(1, -1).every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    expect(await count(transport, 'SELECT count(*) FROM observations')).toBe(60);
    expect(commits.reduce((sum, commit) => sum + commit.publishes, 0)).toBe(6);
  });

  it('keeps every acknowledged batch, whole, when the publishing process is killed with SIGKILL', async () => {
    // 130000 rows exceed a DuckDB row group, which DuckDB writes straight into the database file rather than the WAL.
    // Batch 6 is 500 rows; batch 8 (130000 rows) is mid-transaction when the kill lands.
    const { acked } = await publishUntilKilled([500, 2000, 130000], 1, 7);
    await expectAckedWholeAndNothingPartial(acked, [500, 2000, 130000]);
  });

  it('group-commits concurrent publishes and acknowledges none before its commit survives SIGKILL', async () => {
    const { acked, commits } = await publishUntilKilled([500, 2000], 8, 40);
    // Eight publishers started in one tick share the first commit; later ones join whatever commit is pending.
    expect(commits[0]).toBe(8);
    expect(commits.length).toBeLessThan(acked.size);
    await expectAckedWholeAndNothingPartial(acked, [500, 2000]);
  });
});

/** Runs publish-until-killed.mjs until `killAfter` batches are acknowledged, then SIGKILLs it shortly after.
 * Returns the acknowledged batches (number → size) and each commit's count of publishes, as the child saw them. */
async function publishUntilKilled(
  sizes: readonly number[],
  concurrency: number,
  killAfter: number,
): Promise<{ acked: Map<number, number>; commits: number[] }> {
  const script = join(here, 'publish-until-killed.mjs');
  expect(existsSync(join(repo, 'dist/transport/embedded.js')), 'run `npm run build` first').toBe(true);
  const child = spawn(process.execPath, [script, path, sizes.join(','), String(concurrency)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acked = new Map<number, number>();
  const commits: number[] = [];
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
        const [what, first, second] = line.split(' ');
        if (what === 'acked') acked.set(Number(first), Number(second));
        else commits.push(Number(first));
      }
      if (acked.size >= killAfter && !child.killed) {
        setTimeout(() => child.kill('SIGKILL'), 150);
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
      }
    });
  });
  return { acked, commits };
}

/** Reopens the file the killed child wrote: every acknowledged batch is there whole, and a batch the kill
 * interrupted is absent, never partial (one transaction per commit). */
async function expectAckedWholeAndNothingPartial(
  acked: ReadonlyMap<number, number>,
  sizes: readonly number[],
): Promise<void> {
  const transport = await openTransport();
  const reader = await transport.connection.runAndReadAll(
    `SELECT (observation->>'$.attrs.batch')::INTEGER AS batch, count(*)::INTEGER AS n FROM observations GROUP BY 1 ORDER BY 1`,
  );
  const stored = new Map(reader.getRows().map(([batch, n]) => [Number(batch), Number(n)]));
  for (const [batch, size] of acked) expect(stored.get(batch), `acked batch ${batch}`).toBe(size);
  for (const [batch, n] of stored) expect(n).toBe(sizes[batch % sizes.length]);
}
