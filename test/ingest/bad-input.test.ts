// What a client can send that is not a good OTLP request: each gets the right status and reason, and the
// server goes on serving (a good request right after succeeds).
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGzip, deflateSync, gzipSync } from 'node:zlib';

import { afterEach, describe, expect, test } from 'vitest';

import { RPC_STATUS_TYPE } from '../../ingest/otlp/proto.js';
import { TransportUnavailableError } from '../../schemas/transport.js';
import { post, recordedRequests, startReceiver, type RunningReceiver } from './helpers.js';

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };
const [goodLogs] = await recordedRequests('hooks_untrusted_skipped');
const binaryAllow = await recordedRequests('binary_allow');
const binaryLogs = binaryAllow.find((r) => r.path === '/v1/logs')!;
const binaryTraces = binaryAllow.find((r) => r.path === '/v1/traces')!;

let receiver: RunningReceiver;
afterEach(async () => {
  // The server survived whatever the test sent: a good request still goes through.
  const response = await post(`${receiver.url}/v1/logs`, goodLogs!.body, {
    ...JSON_TYPE,
    authorization: 'Bearer s3cret',
  });
  expect(response.status).toBe(200);
  await receiver.close();
});

async function expectError(response: Response, status: number, reason: RegExp): Promise<void> {
  expect(response.status).toBe(status);
  const type = response.headers.get('content-type') ?? '';
  const body = type.startsWith('application/x-protobuf')
    ? RPC_STATUS_TYPE.toObject(RPC_STATUS_TYPE.decode(new Uint8Array(await response.arrayBuffer())))
    : ((await response.json()) as { message: string });
  expect(body.message).toMatch(reason);
}

/** Deterministic "random" bytes: a sha256 chain. */
function noise(size: number): Buffer {
  const blocks: Buffer[] = [];
  for (let block = Buffer.from('seed'); blocks.length * 32 < size;)
    blocks.push((block = createHash('sha256').update(block).digest()));
  return Buffer.concat(blocks).subarray(0, size);
}

describe('malformed payloads', () => {
  test('truncated protobuf → 400, answered as a protobuf Status', async () => {
    receiver = await startReceiver();
    const truncated = binaryLogs.body.subarray(0, Math.floor(binaryLogs.body.length / 2));
    await expectError(
      await post(`${receiver.url}/v1/logs`, truncated, PROTOBUF),
      400,
      /not a valid OTLP logs protobuf message/,
    );
  });

  test('random bytes → 400, on a signal path and on /', async () => {
    receiver = await startReceiver();
    await expectError(await post(`${receiver.url}/v1/traces`, noise(4096), PROTOBUF), 400, /protobuf/);
    await expectError(await post(`${receiver.url}/`, noise(4096), PROTOBUF), 400, /protobuf/);
  });

  test('a traces request sent to /v1/logs → 400 (protobuf and JSON)', async () => {
    receiver = await startReceiver();
    await expectError(await post(`${receiver.url}/v1/logs`, binaryTraces.body, PROTOBUF), 400, /logs/);
    await expectError(
      await post(`${receiver.url}/v1/logs`, '{"resourceSpans":[]}', JSON_TYPE),
      400,
      /traces request .* sent to the logs endpoint/,
    );
  });

  test('invalid JSON, wrong shapes and bad ids → 400', async () => {
    receiver = await startReceiver();
    await expectError(
      await post(`${receiver.url}/v1/logs`, '{"resourceLogs": [', JSON_TYPE),
      400,
      /not valid JSON/,
    );
    await expectError(
      await post(`${receiver.url}/v1/logs`, '[1, 2]', JSON_TYPE),
      400,
      /must be a JSON object/,
    );
    await expectError(
      await post(`${receiver.url}/v1/logs`, '{"resourceLogs": 5}', JSON_TYPE),
      400,
      /resourceLogs/,
    );
    const badId = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: 'not-hex' }] }] }] };
    await expectError(
      await post(`${receiver.url}/v1/logs`, JSON.stringify(badId), JSON_TYPE),
      400,
      /traceId must be a hex string/,
    );
    const shortId = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'abcd', spanId: '0102030405060708' }] }] }],
    };
    await expectError(
      await post(`${receiver.url}/v1/traces`, JSON.stringify(shortId), JSON_TYPE),
      400,
      /traceId must be 16 bytes/,
    );
    await expectError(await post(`${receiver.url}/v1/logs`, '', JSON_TYPE), 400, /not valid JSON/);
  });

  test('an empty protobuf body is an empty export: 200', async () => {
    receiver = await startReceiver();
    const response = await post(`${receiver.url}/v1/logs`, new Uint8Array(), PROTOBUF);
    expect(response.status).toBe(200);
    expect(receiver.publisher.observations).toEqual([]);
  });

  test('one key repeated 20,000 times and a key named __proto__ are taken whole', async () => {
    receiver = await startReceiver();
    const request = JSON.parse(goodLogs!.body.toString('utf8')) as {
      resourceLogs: { scopeLogs: { logRecords: { attributes: unknown[] }[] }[] }[];
    };
    const record = request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    // Duplicates were once found by comparing each value with every earlier one: seconds of the one thread.
    for (let i = 0; i < 20_000; i++)
      record.attributes.push({ key: 'dup', value: { stringValue: `v${i % 10_000}` } });
    record.attributes.push({ key: '__proto__', value: { stringValue: 'not a prototype' } });
    expect((await post(`${receiver.url}/v1/logs`, JSON.stringify(request), JSON_TYPE)).status).toBe(200);
    const [observation] = receiver.publisher.observations;
    expect(observation!.attrs.dup).toBe('v0');
    expect(observation!.attrs['dup#9999']).toBe('v9999');
    expect(observation!.attrs['dup#10000']).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(observation!.attrs, '__proto__')?.value).toBe('not a prototype');
    expect(Object.getPrototypeOf(observation!.attrs)).toBe(Object.prototype);
  });

  test('a huge attribute value is taken, digested, and does not break anything', async () => {
    receiver = await startReceiver();
    const huge = 'x'.repeat(4 * 1024 * 1024);
    const request = JSON.parse(goodLogs!.body.toString('utf8')) as {
      resourceLogs: { scopeLogs: { logRecords: { attributes: unknown[] }[] }[] }[];
    };
    const record = request.resourceLogs[0]!.scopeLogs[0]!.logRecords.find((r) =>
      JSON.stringify(r).includes('codex.tool_result'),
    )!;
    record.attributes.push(
      { key: 'output', value: { stringValue: huge } },
      { key: 'note', value: { stringValue: huge } },
    );
    expect((await post(`${receiver.url}/v1/logs`, JSON.stringify(request), JSON_TYPE)).status).toBe(200);
    const [result] = receiver.publisher.observations.filter((o) => o.name === 'codex.tool_result');
    expect(result!.attrs['output#1.length']).toBe(huge.length);
    expect(result!.attrs.note).toBe(huge);
  });
});

describe('transport-level refusals', () => {
  test('unsupported Content-Type → 415; a charset parameter is fine', async () => {
    receiver = await startReceiver();
    await expectError(
      await post(`${receiver.url}/v1/logs`, 'hello', { 'content-type': 'text/plain' }),
      415,
      /application\/x-protobuf or application\/json/,
    );
    expect(
      (
        await post(`${receiver.url}/v1/logs`, goodLogs!.body, {
          'content-type': 'application/json; charset=utf-8',
        })
      ).status,
    ).toBe(200);
  });

  test('a body over the limit → 413', async () => {
    receiver = await startReceiver({ maxBodyBytes: 64 * 1024 });
    await expectError(
      await post(`${receiver.url}/v1/logs`, Buffer.alloc(100 * 1024, 0x20), JSON_TYPE),
      413,
      /too large/i,
    );
  });

  test('gzip and deflate bodies are decompressed', async () => {
    receiver = await startReceiver();
    expect(
      (
        await post(`${receiver.url}/v1/logs`, gzipSync(goodLogs!.body), {
          ...JSON_TYPE,
          'content-encoding': 'gzip',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await post(`${receiver.url}/v1/logs`, deflateSync(binaryLogs.body), {
          ...PROTOBUF,
          'content-encoding': 'deflate',
        })
      ).status,
    ).toBe(200);
    expect(receiver.publisher.observations.length).toBeGreaterThan(30);
    await expectError(
      await post(`${receiver.url}/v1/logs`, noise(100), { ...JSON_TYPE, 'content-encoding': 'gzip' }),
      400,
      /not valid gzip/,
    );
    await expectError(
      await post(`${receiver.url}/v1/logs`, goodLogs!.body, { ...JSON_TYPE, 'content-encoding': 'br' }),
      415,
      /Content-Encoding/,
    );
  });

  test('a gzip bomb (1 GiB of zeros) is refused with 413 once the cap is reached', async () => {
    const GiB = 1024 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024);
    const zeros = Readable.from(
      (function* () {
        for (let sent = 0; sent < GiB; sent += chunk.length) yield chunk;
      })(),
    );
    const bomb = await buffer(zeros.pipe(createGzip({ level: 9 })));
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    receiver = await startReceiver();
    const before = process.memoryUsage().rss;
    await expectError(
      await post(`${receiver.url}/v1/logs`, bomb, { ...JSON_TYPE, 'content-encoding': 'gzip' }),
      413,
      /decompressed body exceeds 16777216 bytes/,
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });

  test('a client that aborts mid-body does not hurt the server', async () => {
    receiver = await startReceiver();
    const { port } = new URL(receiver.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"resourceLogs":',
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
  });
});

describe('bearer token', () => {
  test('missing or wrong → 401 with WWW-Authenticate: Bearer, on OTLP routes and routes added later', async () => {
    receiver = await startReceiver({ token: 's3cret' }, (app) =>
      app.post('/v1/added-later', async () => ({ ok: true })),
    );
    for (const path of ['/v1/logs', '/v1/added-later', '/v1/status']) {
      const missing = await post(`${receiver.url}${path}`, goodLogs!.body, JSON_TYPE);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      await expectError(missing, 401, /missing bearer token/);
      await expectError(
        await post(`${receiver.url}${path}`, goodLogs!.body, {
          ...JSON_TYPE,
          authorization: 'Bearer s3cres',
        }),
        401,
        /wrong bearer token/,
      );
    }
    expect(
      (await post(`${receiver.url}/v1/added-later`, '{}', { ...JSON_TYPE, authorization: 'Bearer s3cret' }))
        .status,
    ).toBe(200);
    expect((await fetch(`${receiver.url}/healthz`)).status).toBe(200);
    expect(receiver.publisher.observations).toEqual([]);
  });
});

describe('publisher failures', () => {
  test('TransportUnavailableError → 503 with Retry-After, nothing counted as published', async () => {
    receiver = await startReceiver();
    receiver.publisher.failWith = new TransportUnavailableError('broker down', 7);
    const response = await post(`${receiver.url}/v1/logs`, binaryLogs.body, PROTOBUF);
    expect(response.headers.get('retry-after')).toBe('7');
    await expectError(response, 503, /transport unavailable: broker down/);
    const status = (await (await fetch(`${receiver.url}/v1/status`)).json()) as {
      observations_published: number;
      requests: Record<string, number>;
    };
    expect(status.observations_published).toBe(0);
    expect(status.requests).toEqual({ '503': 1 });
    receiver.publisher.failWith = undefined;
  });

  test('any other publish error → 500 with the reason', async () => {
    receiver = await startReceiver();
    receiver.publisher.failWith = new Error('disk full');
    await expectError(await post(`${receiver.url}/v1/logs`, goodLogs!.body, JSON_TYPE), 500, /disk full/);
    receiver.publisher.failWith = undefined;
  });
});
