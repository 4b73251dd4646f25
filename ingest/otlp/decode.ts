// Decodes an OTLP/HTTP request body, protobuf or JSON, into the one model of model.ts. JSON is first turned into
// protobuf messages by protobufjs and sent through the same wire decoder as binary requests, so both encodings
// end in identical objects (defaults dropped, int64 as strings) by construction, not by parallel code.
import protobuf from 'protobufjs';

import { OtlpDecodeError } from './errors.js';
import type { OtlpRequest, OtlpSignal } from './model.js';
import { EXPORT_REQUEST_TYPES, SIGNAL_FIELDS } from './proto.js';

export type OtlpEncoding = 'protobuf' | 'json';

const SIGNALS: readonly OtlpSignal[] = ['logs', 'traces', 'metrics'];
/** Id fields and their size in bytes. */
const ID_FIELDS: ReadonlyMap<string, number> = new Map([
  ['traceId', 16],
  ['spanId', 8],
  ['parentSpanId', 8],
]);
// Bytes stay Uint8Array here: normalizeFields writes ids as hex straight from them, other bytes as base64.
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, json: true };

/** `signal` undefined: the request came to `/`, tell the signal from the content. */
export function decodeOtlp(body: Uint8Array, encoding: OtlpEncoding, signal?: OtlpSignal): OtlpRequest {
  if (encoding === 'json') {
    const { bytes, signal: detected } = jsonToWire(body, signal);
    return toModel(detected, decodeWire(detected, bytes));
  }
  if (signal) return toModel(signal, decodeWire(signal, body));
  return decodeProtobufOfAnySignal(body);
}

function decodeWire(signal: OtlpSignal, bytes: Uint8Array): protobuf.Message {
  const reader = protobuf.Reader.create(bytes);
  // Keep unknown fields: at the top level they mean "not this kind of request", and they rank the guesses on `/`.
  reader.discardUnknown = false;
  let message: protobuf.Message;
  try {
    message = EXPORT_REQUEST_TYPES[signal].decode(reader);
  } catch (error) {
    throw new OtlpDecodeError(
      'INVALID_PROTOBUF',
      `not a valid OTLP ${signal} protobuf message: ${reason(error)}`,
    );
  }
  if (message.$unknowns?.length) {
    throw new OtlpDecodeError(
      'INVALID_PROTOBUF',
      `not an OTLP ${signal} export request: unknown top-level fields`,
    );
  }
  return message;
}

// The three export requests share their outer wire layout (field 1, field 2, ...), so a protobuf body on `/` is
// decoded as each; the reading with the fewest unknown fields is the one the sender meant (an empty body is
// an empty logs request, which is as good as any).
function decodeProtobufOfAnySignal(body: Uint8Array): OtlpRequest {
  let best: { signal: OtlpSignal; message: protobuf.Message; unknown: number } | undefined;
  let firstError: unknown;
  for (const signal of SIGNALS) {
    try {
      const message = decodeWire(signal, body);
      const unknown = countUnknownFields(message);
      if (!best || unknown < best.unknown) best = { signal, message, unknown };
    } catch (error) {
      firstError ??= error;
    }
  }
  if (!best) throw firstError;
  return toModel(best.signal, best.message);
}

function countUnknownFields(value: unknown): number {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return 0;
  let count = (value as protobuf.Message).$unknowns?.length ?? 0;
  for (const child of Object.values(value)) count += countUnknownFields(child);
  return count;
}

function jsonToWire(body: Uint8Array, signal?: OtlpSignal): { bytes: Uint8Array; signal: OtlpSignal } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (error) {
    throw new OtlpDecodeError('INVALID_JSON', `body is not valid JSON: ${reason(error)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OtlpDecodeError('INVALID_SHAPE', 'an OTLP/JSON request must be a JSON object');
  }
  const present = SIGNALS.filter((s) => SIGNAL_FIELDS[s] in parsed);
  if (present.length > 1) {
    throw new OtlpDecodeError(
      'INVALID_SHAPE',
      `request holds more than one signal (${present.map((s) => SIGNAL_FIELDS[s]).join(', ')})`,
    );
  }
  const found = present[0];
  if (signal && found && found !== signal) {
    throw new OtlpDecodeError(
      'WRONG_SIGNAL',
      `a ${found} request (${SIGNAL_FIELDS[found]}) was sent to the ${signal} endpoint`,
    );
  }
  const resolved = signal ?? found ?? 'logs';
  const type = EXPORT_REQUEST_TYPES[resolved];
  try {
    return {
      bytes: type.encode(type.fromObject(hexIdsToBytes(parsed) as Record<string, unknown>)).finish(),
      signal: resolved,
    };
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error;
    throw new OtlpDecodeError('INVALID_SHAPE', `not an OTLP ${resolved} request: ${reason(error)}`);
  }
}

// OTLP/JSON writes trace and span ids as hex where protobuf's JSON mapping would expect base64.
function hexIdsToBytes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hexIdsToBytes);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (!ID_FIELDS.has(key)) out[key] = hexIdsToBytes(field);
    else if (typeof field !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(field)) {
      throw new OtlpDecodeError(
        'INVALID_ID',
        `${key} must be a hex string, got ${JSON.stringify(field)?.slice(0, 80)}`,
      );
    } else if (field !== '') out[key] = Buffer.from(field, 'hex');
  }
  return out;
}

function toModel(signal: OtlpSignal, message: protobuf.Message): OtlpRequest {
  const object = EXPORT_REQUEST_TYPES[signal].toObject(message, TO_OBJECT);
  normalizeFields(object);
  const records = (object[SIGNAL_FIELDS[signal]] ?? []) as unknown[];
  switch (signal) {
    case 'logs':
      return { signal, resourceLogs: records } as OtlpRequest;
    case 'traces':
      return { signal, resourceSpans: records } as OtlpRequest;
    case 'metrics':
      return { signal, resourceMetrics: records } as OtlpRequest;
  }
}

// In place, on the fresh tree toObject made: ids to hex (checked for length), other bytes to base64, and a log
// body that is an AnyValue with nothing in it to no body (the JS JSON serializer writes `"body": {}` where its
// protobuf twin writes nothing).
function normalizeFields(object: Record<string, unknown>): void {
  for (const key in object) {
    const field = object[key];
    if (field instanceof Uint8Array) object[key] = bytesField(key, field);
    else if (Array.isArray(field)) {
      for (const item of field as unknown[]) if (isObject(item)) normalizeFields(item);
    } else if (isObject(field)) {
      if (key === 'body' && Object.keys(field).length === 0) delete object[key];
      else normalizeFields(field);
    }
  }
}

function bytesField(key: string, bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = ID_FIELDS.get(key);
  if (size === undefined) return buffer.toString('base64');
  if (buffer.length !== size)
    throw new OtlpDecodeError('INVALID_ID', `${key} must be ${size} bytes, got ${buffer.length}`);
  return buffer.toString('hex');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
