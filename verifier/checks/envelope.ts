// envelope_format: the file is a DSSE envelope of the in-toto payload type with a payload and signatures.
import { Ajv } from 'ajv';

import { assertJsonDepth, MAX_JSON_DEPTH } from '../../schemas/bundle-schema.js';
import { DSSE_PAYLOAD_TYPE, type DsseEnvelope } from '../../schemas/bundle.js';
import { decodeStrictBase64 } from '../../schemas/checkpoint.js';
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
      // Each trusted signature is verified: a bound keeps a crafted envelope from costing minutes.
      maxItems: 16,
      items: {
        type: 'object',
        required: ['keyid', 'sig'],
        properties: { keyid: { type: 'string' }, sig: { type: 'string', minLength: 1 } },
      },
    },
  },
});

export function parseEnvelope(text: string): ParsedEnvelope {
  let value: unknown;
  try {
    assertJsonDepth(text, MAX_JSON_DEPTH);
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
  // Node's base64 decoder skips characters it does not know and ignores trailing bits: only the canonical
  // encoding is accepted, so any changed character is detected.
  const payload = decodeStrictBase64(value.payload);
  if (!payload) throw new CheckFailure('envelope_format', 'payload is not canonical base64');
  return { envelope: value, payload };
}
