// A request the receiver refuses before decoding it (media type, encoding, size), with the HTTP status to answer.
export class IngestHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code:
      'UNSUPPORTED_MEDIA_TYPE' | 'UNSUPPORTED_CONTENT_ENCODING' | 'BODY_TOO_LARGE' | 'INVALID_COMPRESSION',
    message: string,
  ) {
    super(message);
    this.name = 'IngestHttpError';
  }
}
