// The request body as OTLP bytes: which encoding it is in, and decompressed under a hard cap so a small gzip
// bomb is refused after at most `maxBytes` of output instead of filling memory.
import { promisify } from 'node:util';
import { gunzip, inflate, type ZlibOptions } from 'node:zlib';

import type { OtlpEncoding } from '../otlp/decode.js';
import { IngestHttpError } from './errors.js';

export const OTLP_MEDIA_TYPES: Readonly<Record<OtlpEncoding, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

const DECOMPRESSORS: Readonly<Record<string, (input: Buffer, options: ZlibOptions) => Promise<Buffer>>> = {
  gzip: promisify<Buffer, ZlibOptions, Buffer>(gunzip),
  'x-gzip': promisify<Buffer, ZlibOptions, Buffer>(gunzip),
  deflate: promisify<Buffer, ZlibOptions, Buffer>(inflate),
};

/** The OTLP encoding a Content-Type names (parameters such as charset ignored), if any. */
export function otlpEncodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return (Object.keys(OTLP_MEDIA_TYPES) as OtlpEncoding[]).find(
    (encoding) => OTLP_MEDIA_TYPES[encoding] === mediaType,
  );
}

export async function decodedBody(
  raw: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const coding = contentEncoding?.trim().toLowerCase() ?? 'identity';
  if (coding === 'identity' || coding === '') return raw;
  const decompress = DECOMPRESSORS[coding];
  if (!decompress)
    throw new IngestHttpError(
      415,
      'UNSUPPORTED_CONTENT_ENCODING',
      `unsupported Content-Encoding "${coding}" (gzip, deflate or none)`,
    );
  try {
    return await decompress(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new IngestHttpError(413, 'BODY_TOO_LARGE', `decompressed body exceeds ${maxBytes} bytes`);
    }
    throw new IngestHttpError(
      400,
      'INVALID_COMPRESSION',
      `body is not valid ${coding} data: ${(error as Error).message}`,
    );
  }
}
