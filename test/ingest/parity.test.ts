// The protobuf and the JSON encoding of one OTLP request must give the same observations (same ids): each
// binary fixture is re-encoded as OTLP/JSON, with Codex's JSON quirks added, and both are posted.
import { describe, expect, test } from 'vitest';

import { decodeOtlp } from '../../ingest/otlp/decode.js';
import type { OtlpSignal } from '../../ingest/otlp/model.js';
import { EXPORT_REQUEST_TYPES } from '../../ingest/otlp/proto.js';
import { post, recordedRequests, startReceiver } from './helpers.js';

const SIGNAL_OF_PATH: Record<string, OtlpSignal> = {
  '/v1/logs': 'logs',
  '/v1/traces': 'traces',
  '/v1/metrics': 'metrics',
};

/** protobufjs's JSON view of the message, turned into OTLP/JSON the way Codex writes it. */
function toCodexStyleJson(signal: OtlpSignal, body: Buffer): string {
  const type = EXPORT_REQUEST_TYPES[signal];
  const object = type.toObject(type.decode(body), { longs: String, bytes: String });
  return JSON.stringify(
    object,
    function (key, value: unknown) {
      if ((key === 'traceId' || key === 'spanId' || key === 'parentSpanId') && typeof value === 'string') {
        return Buffer.from(value, 'base64').toString('hex');
      }
      if (key === 'logRecords' && Array.isArray(value)) {
        // Codex quirks: explicit nulls, zero times and empty ids instead of absent fields.
        return value.map((record: Record<string, unknown>) => ({
          timeUnixNano: '0',
          body: null,
          traceId: '',
          spanId: '',
          droppedAttributesCount: 0,
          ...record,
        }));
      }
      return value;
    },
    2,
  );
}

const binaryRequests = (
  await Promise.all(
    ['binary_allow', 'binary_deny'].map(async (scenario) =>
      (await recordedRequests(scenario)).map((r) => ({ scenario, ...r })),
    ),
  )
).flat();

describe.each(binaryRequests)('$scenario $file', ({ path, body }) => {
  const signal = SIGNAL_OF_PATH[path]!;
  const json = toCodexStyleJson(signal, body);

  test('decodes to the same model from protobuf and from JSON', () => {
    expect(decodeOtlp(Buffer.from(json), 'json', signal)).toEqual(decodeOtlp(body, 'protobuf', signal));
  });

  test('yields identical observation ids over HTTP', async () => {
    const binary = await startReceiver();
    const text = await startReceiver();
    try {
      expect((await post(binary.url + path, body, { 'content-type': 'application/x-protobuf' })).status).toBe(
        200,
      );
      expect(
        (await post(text.url + path, json, { 'content-type': 'application/json; charset=utf-8' })).status,
      ).toBe(200);
      const ids = (observations: { id: string }[]) => observations.map((o) => o.id).sort();
      expect(ids(text.publisher.observations)).toEqual(ids(binary.publisher.observations));
      const records = async (url: string) =>
        (
          (await (await fetch(`${url}/v1/status`)).json()) as {
            records: { received: Record<string, number> };
          }
        ).records;
      const binaryRecords = await records(binary.url);
      expect(binaryRecords.received[signal]).toBeGreaterThan(0);
      expect(await records(text.url)).toEqual(binaryRecords);
    } finally {
      await binary.close();
      await text.close();
    }
  });
});
