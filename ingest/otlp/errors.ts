// Why a request body is not an OTLP export request. The receiver answers these with 400 and the reason.
import { ProoflineError } from '../../schemas/errors.js';

export type OtlpDecodeErrorCode =
  'INVALID_PROTOBUF' | 'INVALID_JSON' | 'INVALID_SHAPE' | 'INVALID_ID' | 'WRONG_SIGNAL';

export class OtlpDecodeError extends ProoflineError<OtlpDecodeErrorCode> {}
