// envelope_format: the file is a DSSE envelope of the in-toto payload type with a payload and signatures.
import { Ajv } from 'ajv';

import { DSSE_PAYLOAD_TYPE, type DsseEnvelope } from '../../schemas/bundle.js';
import { CheckFailure } from './check.js';

export interface ParsedEnvelope {
  envelope: DsseEnvelope;
  /** The decoded payload bytes: what the signature covers and what the bundle digest is taken over. */
  payload: Buffer;
}

const validateEnvelope = new Ajv({ allErrors: false }).compile<DsseEnvelope>({
  type: 'object',
  required: ['payloadType', 'payload', 'signatures'],
  properties: {
    payloadType: { const: DSSE_PAYLOAD_TYPE },
    payload: { type: 'string', minLength: 1 },
    signatures: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['keyid', 'sig'],
        properties: { keyid: { type: 'string' }, sig: { type: 'string', minLength: 1 } },
      },
    },
  },
});

/**
 * Node's base64 decoder skips characters it does not know and ignores trailing bits, so two different strings
 * can decode to the same bytes. Requiring the canonical encoding means any changed character is detected.
 */
export function decodeStrictBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

export function parseEnvelope(text: string): ParsedEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CheckFailure('envelope_format', `not JSON: ${(error as Error).message}`);
  }
  if (!validateEnvelope(value)) {
    const problem = validateEnvelope.errors?.[0];
    throw new CheckFailure(
      'envelope_format',
      `not a DSSE envelope: ${problem?.instancePath || '/'} ${problem?.message ?? ''}`.trim(),
    );
  }
  const payload = decodeStrictBase64(value.payload);
  if (!payload) throw new CheckFailure('envelope_format', 'payload is not canonical base64');
  return { envelope: value, payload };
}
