// Property-based fuzzing of the OTLP receiver: generated export requests (protobuf and JSON, some gzipped,
// some mutated or pure noise) through the real decoders and normalizers behind the real fastify receiver.
// Every answer must be what the OTLP/HTTP spec allows: 200 with an Export*ServiceResponse (partial success
// naming what was rejected), or 400 / 413 / 415 with a google.rpc.Status, in the request's encoding; never a
// 5xx, never a crash, and every record published passes the transport's gate.
import { gzipSync } from 'node:zlib';

import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createReceiver } from '../../ingest/http/receiver.js';
import { decodeOtlp, type OtlpEncoding } from '../../ingest/otlp/decode.js';
import { OtlpDecodeError } from '../../ingest/otlp/errors.js';
import type { OtlpSignal } from '../../ingest/otlp/model.js';
import { EXPORT_REQUEST_TYPES, EXPORT_RESPONSE_TYPES, RPC_STATUS_TYPE } from '../../ingest/otlp/proto.js';
import { normalizeOtlpRequest } from '../../ingest/normalize/otlp-request.js';
import { assertObservation } from '../../schemas/assert-observation.js';
import { FakePublisher } from '../ingest/helpers.js';
import { logsRequest, metricsRequest, mutated, SEED, tracesRequest } from './arbitraries.js';

const RUNS = 2_500;
const MAX_BODY = 256 * 1024;
const REQUESTS: Record<OtlpSignal, fc.Arbitrary<Record<string, unknown>>> = {
  logs: logsRequest,
  traces: tracesRequest,
  metrics: metricsRequest,
};
const PATHS: Record<OtlpSignal, string> = { logs: '/v1/logs', traces: '/v1/traces', metrics: '/v1/metrics' };
const MEDIA: Record<OtlpEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

let app: FastifyInstance;
const publisher = new FakePublisher();

beforeAll(async () => {
  console.info(`fast-check seed ${SEED} (replay with FC_SEED=${SEED})`);
  app = await createReceiver({ publisher, maxBodyBytes: MAX_BODY, storeContent: false });
});
afterAll(async () => app?.close());

function encodeProtobuf(signal: OtlpSignal, request: Record<string, unknown>): Uint8Array {
  const type = EXPORT_REQUEST_TYPES[signal];
  return type.encode(type.fromObject(request)).finish();
}

/** OTLP/JSON as exporters write it: ids in hex, int64 as strings, bytes in base64. */
function encodeJson(signal: OtlpSignal, request: Record<string, unknown>): Uint8Array {
  const type = EXPORT_REQUEST_TYPES[signal];
  const object = type.toObject(type.fromObject(request), { longs: String, bytes: String, json: true });
  const hexIds = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(hexIds);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => [
        key,
        ['traceId', 'spanId', 'parentSpanId'].includes(key) && typeof field === 'string'
          ? Buffer.from(field, 'base64').toString('hex')
          : hexIds(field),
      ]),
    );
  };
  return Buffer.from(JSON.stringify(hexIds(object)));
}

const body = (encoding: OtlpEncoding) =>
  fc.constantFrom<OtlpSignal>('logs', 'traces', 'metrics').chain((signal) =>
    fc
      .oneof(
        {
          weight: 6,
          arbitrary: REQUESTS[signal].map((r) =>
            (encoding === 'json' ? encodeJson : encodeProtobuf)(signal, r),
          ),
        },
        { weight: 2, arbitrary: mutated(REQUESTS[signal].map((r) => encodeProtobuf(signal, r))) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
        {
          weight: 1,
          arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
        },
      )
      .map((bytes) => ({ signal, bytes })),
  );

const sent = fc.record({
  encoding: fc.constantFrom<OtlpEncoding>('protobuf', 'json'),
  route: fc.constantFrom<'signal' | 'root' | 'other'>('signal', 'signal', 'signal', 'root', 'other'),
  gzip: fc.boolean(),
  mediaType: fc.oneof(
    { weight: 9, arbitrary: fc.constant(undefined) },
    fc.constantFrom('text/plain', 'application/x-protobuf; charset=x'),
  ),
});

type Answer = { status: number; contentType: string; body: Buffer };

/** Checks one answer against the OTLP/HTTP spec: status, encoding (the request's, JSON when it had none we
 * know), and body type. */
function checkAnswer(answer: Answer, requestType: string, signal: OtlpSignal): void {
  expect([200, 400, 413, 415]).toContain(answer.status);
  const json = answer.contentType.startsWith(MEDIA.json);
  expect(json).toBe(requestType.split(';')[0]!.trim() !== MEDIA.protobuf);
  const type = answer.status === 200 ? EXPORT_RESPONSE_TYPES[signal] : RPC_STATUS_TYPE;
  const decoded = json
    ? type.toObject(type.fromObject(JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>))
    : type.toObject(type.decode(answer.body));
  if (answer.status === 200) {
    const partial = decoded.partialSuccess as Record<string, unknown> | undefined;
    if (partial) expect(partial.errorMessage).toMatch(/rejected/);
  } else {
    expect(typeof decoded.message).toBe('string');
    expect(decoded.code).toBeGreaterThan(0);
  }
}

describe('OTLP receiver under generated requests', () => {
  for (const encoding of ['protobuf', 'json'] as const) {
    it(`${encoding}: ${RUNS} requests, every answer per the OTLP spec, no 5xx, every record valid`, async () => {
      const statuses = new Map<number, number>();
      let published = 0;
      await fc.assert(
        fc.asyncProperty(body(encoding), sent, async ({ signal, bytes }, how) => {
          publisher.observations.length = 0;
          const payload = how.gzip ? gzipSync(bytes) : Buffer.from(bytes);
          const url =
            how.route === 'signal'
              ? PATHS[signal]
              : how.route === 'root'
                ? '/'
                : PATHS[signal === 'logs' ? 'traces' : 'logs'];
          const reply = await app.inject({
            method: 'POST',
            url,
            headers: {
              'content-type': how.mediaType ?? MEDIA[encoding],
              ...(how.gzip ? { 'content-encoding': 'gzip' } : {}),
            },
            payload,
          });
          const answeredSignal =
            url === PATHS.traces
              ? 'traces'
              : url === PATHS.metrics
                ? 'metrics'
                : url === '/'
                  ? signal
                  : 'logs';
          const answer = {
            status: reply.statusCode,
            contentType: String(reply.headers['content-type']),
            body: reply.rawPayload,
          };
          expect(answer.status, reply.body).toBeLessThan(500);
          if (answer.status === 200 && url === '/') return; // the answer's signal is the one told from the content
          checkAnswer(answer, how.mediaType ?? MEDIA[encoding], answeredSignal);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          published += publisher.observations.length;
          for (const observation of publisher.observations) assertObservation(observation);
        }),
        { seed: SEED, numRuns: RUNS },
      );
      // The generators must reach both sides: accepted requests that made records, and refused ones.
      expect(statuses.get(200)).toBeGreaterThan(RUNS / 10);
      expect(statuses.get(400)).toBeGreaterThan(0);
      expect(published).toBeGreaterThan(0);
    }, 120_000);
  }

  it('answers 413 past the size limit, compressed or not, and 400 for deeply nested JSON', async () => {
    const big = Buffer.alloc(MAX_BODY + 1, 0x20);
    for (const [payload, encoding] of [
      [big, undefined],
      [gzipSync(big), 'gzip'],
    ] as const) {
      const reply = await app.inject({
        method: 'POST',
        url: '/v1/logs',
        headers: { 'content-type': MEDIA.json, ...(encoding ? { 'content-encoding': encoding } : {}) },
        payload,
      });
      expect(reply.statusCode).toBe(413);
      expect(reply.json()).toMatchObject({ code: 8 });
    }
    const deep = `{"resourceLogs":[${'['.repeat(50_000)}${']'.repeat(50_000)}]}`;
    const reply = await app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { 'content-type': MEDIA.json },
      payload: deep,
    });
    expect(reply.statusCode).toBe(400);
  });
});

describe('the decoders and normalizer directly', () => {
  it(`${RUNS * 2} generated requests: decode either succeeds or says why (OtlpDecodeError); normalizing never throws`, () => {
    let normalized = 0;
    let failed = 0;
    fc.assert(
      fc.property(
        fc
          .constantFrom<OtlpSignal>('logs', 'traces', 'metrics')
          .chain((s) =>
            fc.tuple(
              fc.constant(s),
              REQUESTS[s],
              fc.constantFrom<OtlpEncoding>('protobuf', 'json'),
              fc.boolean(),
            ),
          ),
        ([signal, request, encoding, toRoot]) => {
          const bytes = (encoding === 'json' ? encodeJson : encodeProtobuf)(signal, request);
          let decoded;
          try {
            decoded = decodeOtlp(bytes, encoding, toRoot ? undefined : signal);
          } catch (error) {
            if (error instanceof OtlpDecodeError) return void failed++;
            throw error;
          }
          const batch = normalizeOtlpRequest(decoded, { storeContent: false, observedUnixNano: '1' });
          normalized += batch.observations.length;
          for (const observation of batch.observations) assertObservation(observation);
        },
      ),
      { seed: SEED, numRuns: RUNS * 2 },
    );
    // Both sides reached: records normalized, and requests refused with a reason.
    expect(normalized).toBeGreaterThan(RUNS / 2);
    expect(failed).toBeGreaterThan(0);
  });
});
