// Concurrent OTLP requests into the real receiver and the real embedded (DuckDB) transport: their records share
// group commits, and each request's 200 arrives only once its records are committed to the file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Observation } from '../../schemas/observation.js';
import type { ObservationPublisher } from '../../schemas/transport.js';
import type { CommittedBatch } from '../../transport/embedded-publisher.js';
import { openEmbeddedTransport, type EmbeddedTransport } from '../../transport/embedded.js';
import { startReceiver, type RunningReceiver } from './helpers.js';

const REQUESTS = 12;
const RECORDS = 5;

/** Holds publishes until `expected` have arrived, then hands them all to the real publisher in one tick, so the
 * requests meet in one group commit however the server happens to schedule them (no timing involved). */
class Barrier implements ObservationPublisher {
  private waiting: (() => void)[] = [];

  constructor(
    private readonly inner: ObservationPublisher,
    private readonly expected: number,
  ) {}

  async publish(observations: readonly Observation[]): Promise<void> {
    const released = new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.waiting.length === this.expected) for (const release of this.waiting.splice(0)) release();
    await released;
    await this.inner.publish(observations);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function logsRequest(session: string): string {
  const logRecords = Array.from({ length: RECORDS }, (_, i) => ({
    timeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i)),
    attributes: [
      { key: 'conversation.id', value: { stringValue: session } },
      { key: 'event.name', value: { stringValue: `group-commit-${i}` } },
    ],
  }));
  return JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords }] }] });
}

let dir: string;
let transport: EmbeddedTransport;
let receiver: RunningReceiver | undefined;
let commits: CommittedBatch[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'proofline-group-commit-'));
  commits = [];
  transport = await openEmbeddedTransport({
    path: join(dir, 'pipeline.duckdb'),
    onCommit: (batch) => commits.push(batch),
  });
});

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await transport.close();
  rmSync(dir, { recursive: true, force: true });
});

async function storedFor(session: string): Promise<number> {
  const reader = await transport.connection.runAndReadAll(
    'SELECT count(*)::INTEGER FROM observations WHERE session_id = $session',
    { session },
  );
  return Number(reader.getRows()[0]![0]);
}

async function post(session: string): Promise<Response> {
  return fetch(`${receiver!.url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: logsRequest(session),
  });
}

describe('group commit behind the OTLP receiver', () => {
  it('answers each of many concurrent requests 200 only once its records are committed, in fewer commits', async () => {
    receiver = await startReceiver({ publisher: new Barrier(transport.publisher, REQUESTS) });
    const sessions = Array.from({ length: REQUESTS }, (_, i) => `group-commit-${i}`);
    let answered = 0;
    await Promise.all(
      sessions.map(async (session) => {
        const response = await post(session);
        expect(response.status).toBe(200);
        answered += 1;
        expect(commits.reduce((sum, commit) => sum + commit.publishes, 0)).toBeGreaterThanOrEqual(answered);
        // Read through another connection to the file right after the 200.
        expect(await storedFor(session)).toBe(RECORDS);
      }),
    );
    expect(commits).toEqual([{ publishes: REQUESTS, records: REQUESTS * RECORDS }]);
  });
});
