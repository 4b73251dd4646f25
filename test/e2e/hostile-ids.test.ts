// Identifiers from the wire are attacker-controlled. Two session ids that differ only in a control character
// once mapped to one bundle folder and stopped the assembler for everyone; now such ids are refused at ingest
// (counted, OTLP partial success), and a clean session sent afterwards is bundled, sealed and verifies.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Pipeline } from '../../service/embedded.js';
import { fixturesRoot } from '../../service/replay.js';
import { runVerify } from '../../verifier/verify-command.js';
import { captureOutput, readBundles, replay, seals, startTestPipeline } from './support.js';

const CLEAN_SESSION = '01a1fc63-1dbb-75c3-a7f6-f2523a92b240';

/** json_allow's log export with every record's conversation.id replaced. */
async function logsWithSession(sessionId: string): Promise<string> {
  const text = await readFile(
    join(fixturesRoot(), 'scenarios', 'json_allow', 'otlp', '004_logs.json'),
    'utf8',
  );
  const body = JSON.parse(text) as {
    resourceLogs: {
      scopeLogs: { logRecords: { attributes: { key: string; value: { stringValue?: string } }[] }[] }[];
    }[];
  };
  for (const resource of body.resourceLogs)
    for (const scope of resource.scopeLogs)
      for (const record of scope.logRecords)
        for (const attribute of record.attributes)
          if (attribute.key === 'conversation.id') attribute.value = { stringValue: sessionId };
  return JSON.stringify(body);
}

describe('hostile session ids', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startTestPipeline();
  });
  afterAll(async () => pipeline?.close());

  it.each([
    ['a carriage return', 'aaaa-7023\rb1ce'],
    ['a control character', 'aaaa-7023\u0012b1ce'],
    ['NUL', 'aaaa\u0000'],
    ['DEL', 'aaaa\u007f'],
    ['a C1 control', 'aaaa\u0085b'],
    ['more than 256 characters', 'x'.repeat(257)],
  ])('an OTLP record whose session id holds %s is refused as partial success', async (_what, id) => {
    const response = await fetch(`${pipeline.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: await logsWithSession(id),
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      partialSuccess?: { rejectedLogRecords?: string; errorMessage?: string };
    };
    expect(Number(answer.partialSuccess?.rejectedLogRecords)).toBeGreaterThan(0);
    expect(answer.partialSuccess?.errorMessage).toMatch(/id/);
  });

  it('an OTLP JSON request with a string that is not valid UTF-8 is refused whole, with the reason', async () => {
    const response = await fetch(`${pipeline.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: await logsWithSession('aaaa\ud800b'),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/utf-8/i);
  });

  it('a hook call whose session id holds a control character is refused with 400', async () => {
    const response = await fetch(`${pipeline.url}/v1/guard`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hook: { hook_event_name: 'SessionStart', session_id: 'aaaa-7023\rb1ce' } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { reason: string }).reason).toMatch(/control character/);
  });

  it('a clean session sent afterwards is bundled, sealed, and verifies', async () => {
    await replay(pipeline, 'binary_allow');
    await pipeline.flush();
    const files = await readBundles(pipeline.dataDir);
    expect(seals(files).map((s) => s.session_id)).toEqual([CLEAN_SESSION]);
    const out = captureOutput();
    expect(await runVerify({ paths: [pipeline.dataDir], format: 'text', minCompleteness: 0 }, out.out)).toBe(
      0,
    );
  });
});
