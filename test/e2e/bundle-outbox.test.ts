// Bundles reach the sink (the bundles topic) even when the assembler died after writing them and before the
// sink acknowledged: the outbox sends what the sink never acknowledged on the next start, and nothing twice.
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BundleOutbox, type SinkBundle } from '../../service/bundle-outbox.js';
import type { Pipeline } from '../../service/embedded.js';
import { DENY_POLICY, placeOf, readBundles, replay, sessionOf, startTestPipeline } from './support.js';

describe('bundle outbox', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startTestPipeline();
    await replay(pipeline, 'binary_allow');
    await replay(pipeline, 'binary_deny', DENY_POLICY);
    await pipeline.flush();
    await pipeline.close();
  });
  afterAll(async () => pipeline?.close());

  it('sends every bundle the sink has not acknowledged, in chain order, exactly once', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const received: SinkBundle[] = [];
    let available = false;
    const sink = async (bundles: SinkBundle[]) => {
      if (!available) throw new Error('sink unavailable');
      received.push(...bundles);
    };
    const files = await readBundles(pipeline.dataDir);
    const outbox = await BundleOutbox.open(connection, pipeline.dataDir, sink);

    // The sink is down: nothing is recorded as sent, so nothing is lost.
    await expect(outbox.sendPending()).rejects.toThrow('sink unavailable');
    available = true;
    expect(await outbox.sendPending()).toBe(files.length);
    expect(received.map((b) => `${b.sessionId}/${b.fileName}`)).toEqual(
      files.map((f) => `${sessionOf(f)}/${placeOf(f).split('/')[1]}`),
    );
    expect(received.every((b, i) => b.envelope.payload === files[i]!.envelope.payload)).toBe(true);

    // A restart with everything acknowledged sends nothing again.
    const again = await BundleOutbox.open(connection, pipeline.dataDir, sink);
    expect(await again.sendPending()).toBe(0);
    expect(received).toHaveLength(files.length);
    connection.closeSync();
    instance.closeSync();
  });
});
