// The OTLP message types, read at runtime from schemas/otlp/otlp.proto. The build copies the .proto beside the
// compiled code (scripts/copy-assets.mjs), so one relative path works from dist/ingest/otlp/ and from the
// TypeScript sources under vitest.
import { fileURLToPath } from 'node:url';

import protobuf from 'protobufjs';

import type { OtlpSignal } from './model.js';

const PROTO_PATH = fileURLToPath(new URL('../../schemas/otlp/otlp.proto', import.meta.url));
const root = protobuf.loadSync(PROTO_PATH);

function messageType(name: string): protobuf.Type {
  return root.lookupType(`opentelemetry.proto.${name}`);
}

export const EXPORT_REQUEST_TYPES: Readonly<Record<OtlpSignal, protobuf.Type>> = {
  logs: messageType('ExportLogsServiceRequest'),
  traces: messageType('ExportTraceServiceRequest'),
  metrics: messageType('ExportMetricsServiceRequest'),
};

export const EXPORT_RESPONSE_TYPES: Readonly<Record<OtlpSignal, protobuf.Type>> = {
  logs: messageType('ExportLogsServiceResponse'),
  traces: messageType('ExportTraceServiceResponse'),
  metrics: messageType('ExportMetricsServiceResponse'),
};

/** google.rpc.Status, the body of OTLP/HTTP error answers. */
export const RPC_STATUS_TYPE = messageType('RpcStatus');

/** The top-level JSON field that carries each signal's records. */
export const SIGNAL_FIELDS: Readonly<Record<OtlpSignal, string>> = {
  logs: 'resourceLogs',
  traces: 'resourceSpans',
  metrics: 'resourceMetrics',
};
