// OTLP/HTTP answers, in the encoding the request used: Export*ServiceResponse (with partial_success when
// records were rejected) on success, google.rpc.Status on error.
import type { OtlpEncoding } from '../otlp/decode.js';
import type { OtlpSignal } from '../otlp/model.js';
import { EXPORT_RESPONSE_TYPES, RPC_STATUS_TYPE } from '../otlp/proto.js';
import { REJECT_REASON_TEXT, rejectedCount, type RejectReason, type RequestStats } from '../stats.js';
import { OTLP_MEDIA_TYPES } from './body.js';
import type protobuf from 'protobufjs';

export interface EncodedBody {
  contentType: string;
  body: Buffer | string;
}

const REJECTED_FIELD: Readonly<Record<OtlpSignal, string>> = {
  logs: 'rejectedLogRecords',
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
};

const RECORD_NOUN: Readonly<Record<OtlpSignal, string>> = {
  logs: 'log records',
  traces: 'spans',
  metrics: 'data points',
};

// google.rpc.Code for the HTTP statuses the receiver answers with.
const RPC_CODES: Readonly<Record<number, number>> = {
  400: 3,
  401: 16,
  404: 5,
  413: 8,
  415: 3,
  500: 13,
  503: 14,
};

export function exportResponse(signal: OtlpSignal, encoding: OtlpEncoding, stats: RequestStats): EncodedBody {
  const rejected = rejectedCount(stats);
  const partialSuccess =
    rejected === 0
      ? undefined
      : {
          [REJECTED_FIELD[signal]]: rejected,
          errorMessage: `${rejected} ${RECORD_NOUN[signal]} rejected: ${rejectionSummary(stats)}`,
        };
  return encode(EXPORT_RESPONSE_TYPES[signal], partialSuccess ? { partialSuccess } : {}, encoding);
}

export function errorResponse(httpStatus: number, message: string, encoding: OtlpEncoding): EncodedBody {
  return encode(RPC_STATUS_TYPE, { code: RPC_CODES[httpStatus] ?? 2, message }, encoding);
}

function rejectionSummary(stats: RequestStats): string {
  return Object.entries(stats.rejected)
    .map(([reason, n]) => `${n} with ${REJECT_REASON_TEXT[reason as RejectReason]}`)
    .join('; ');
}

function encode(type: protobuf.Type, object: Record<string, unknown>, encoding: OtlpEncoding): EncodedBody {
  const message = type.fromObject(object);
  return {
    contentType: OTLP_MEDIA_TYPES[encoding],
    body:
      encoding === 'json'
        ? JSON.stringify(type.toObject(message, { longs: String }))
        : Buffer.from(type.encode(message).finish()),
  };
}
