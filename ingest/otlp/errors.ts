// Why a request body is not an OTLP export request. The receiver answers these with 400 and the reason.

export type OtlpDecodeErrorCode =
  'INVALID_PROTOBUF' | 'INVALID_JSON' | 'INVALID_SHAPE' | 'INVALID_ID' | 'WRONG_SIGNAL';

export class OtlpDecodeError extends Error {
  constructor(
    readonly code: OtlpDecodeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OtlpDecodeError';
  }
}
