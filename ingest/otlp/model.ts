// The one in-memory shape of a decoded OTLP request, whatever its wire encoding: the OTLP/JSON mapping with
// ids as lowercase hex, int64 as decimal strings, bytes as base64, and every field at its default omitted
// (so a JSON `"timeUnixNano": "0"` and an absent protobuf field read the same). Raw digests are taken over
// this shape, which is why protobuf and JSON deliveries of one record get one observation id.

export type OtlpSignal = 'logs' | 'traces' | 'metrics';

export type OtlpAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  /** Non-finite doubles arrive as "NaN", "Infinity", "-Infinity" (OTLP/JSON rule). */
  | { doubleValue: number | string }
  | { bytesValue: string }
  | { arrayValue: { values?: OtlpAnyValue[] } }
  | { kvlistValue: { values?: OtlpKeyValue[] } }
  /** An AnyValue with no value set. */
  | Record<string, never>;

export interface OtlpKeyValue {
  key?: string;
  value?: OtlpAnyValue;
}

export interface OtlpResource {
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
  entityRefs?: { schemaUrl?: string; type?: string; idKeys?: string[]; descriptionKeys?: string[] }[];
}

export interface OtlpScope {
  name?: string;
  version?: string;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: OtlpAnyValue;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: string;
  spanId?: string;
  eventName?: string;
}

export interface OtlpSpanEvent {
  timeUnixNano?: string;
  name?: string;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpSpanLink {
  traceId?: string;
  spanId?: string;
  traceState?: string;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

export interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  traceState?: string;
  parentSpanId?: string;
  flags?: number;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
  events?: OtlpSpanEvent[];
  droppedEventsCount?: number;
  links?: OtlpSpanLink[];
  droppedLinksCount?: number;
  status?: { message?: string; code?: number };
}

/** Metrics are decoded only to be counted; data point contents are not modelled. */
export interface OtlpMetric {
  name?: string;
  gauge?: { dataPoints?: unknown[] };
  sum?: { dataPoints?: unknown[] };
  histogram?: { dataPoints?: unknown[] };
  exponentialHistogram?: { dataPoints?: unknown[] };
  summary?: { dataPoints?: unknown[] };
}

export interface OtlpResourceLogs {
  resource?: OtlpResource;
  scopeLogs?: { scope?: OtlpScope; logRecords?: OtlpLogRecord[]; schemaUrl?: string }[];
  schemaUrl?: string;
}

export interface OtlpResourceSpans {
  resource?: OtlpResource;
  scopeSpans?: { scope?: OtlpScope; spans?: OtlpSpan[]; schemaUrl?: string }[];
  schemaUrl?: string;
}

export interface OtlpResourceMetrics {
  resource?: OtlpResource;
  scopeMetrics?: { scope?: OtlpScope; metrics?: OtlpMetric[]; schemaUrl?: string }[];
  schemaUrl?: string;
}

export type OtlpRequest =
  | { signal: 'logs'; resourceLogs: OtlpResourceLogs[] }
  | { signal: 'traces'; resourceSpans: OtlpResourceSpans[] }
  | { signal: 'metrics'; resourceMetrics: OtlpResourceMetrics[] };
