// OTLP/JSON, written by hand: ids as lowercase hex, int64 as decimal strings (the encoding's rules), so each
// body is what an OpenTelemetry exporter would POST to /v1/logs or /v1/traces.
import type { Telemetry } from './trace.js';

/** Whole numbers only: every number the corpus sends is an OTLP int. */
export type AttrInput = string | boolean | number | readonly string[];

export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { arrayValue: { values: AnyValue[] } };

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpJsonEvent {
  timeUnixNano: string;
  name: string;
  attributes: KeyValue[];
}

export interface OtlpJsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  events?: OtlpJsonEvent[];
  status?: { code: number; message?: string };
}

export const SPAN_KIND_INTERNAL = 1;
export const STATUS_OK = 1;
export const STATUS_ERROR = 2;

/** Attributes in the order given; `undefined` values are left out. */
export function attributes(values: Record<string, AttrInput | undefined>): KeyValue[] {
  return Object.entries(values).flatMap(([key, value]) =>
    value === undefined ? [] : [{ key, value: anyValue(value) }],
  );
}

function anyValue(value: AttrInput): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return { intValue: String(value) };
  return { arrayValue: { values: value.map((item) => ({ stringValue: item })) } };
}

export interface SpanSource {
  resource: Record<string, AttrInput>;
  scope: { name: string; version: string };
}

/** One export request of `spans`, all from one resource and scope. */
export function tracesTelemetry(source: SpanSource, spans: OtlpJsonSpan[]): Telemetry {
  return {
    kind: 'otlp',
    signal: 'traces',
    body: {
      resourceSpans: [
        {
          resource: { attributes: attributes(source.resource) },
          scopeSpans: [{ scope: source.scope, spans }],
        },
      ],
    },
  };
}
