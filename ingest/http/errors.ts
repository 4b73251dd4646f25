// A request the receiver refuses before decoding it (media type, encoding, size), with the HTTP status to answer.
import { ProoflineError } from '../../schemas/errors.js';

export type IngestHttpErrorCode =
  'UNSUPPORTED_MEDIA_TYPE' | 'UNSUPPORTED_CONTENT_ENCODING' | 'BODY_TOO_LARGE' | 'INVALID_COMPRESSION';

export class IngestHttpError extends ProoflineError<IngestHttpErrorCode> {
  constructor(
    readonly statusCode: number,
    code: IngestHttpErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
