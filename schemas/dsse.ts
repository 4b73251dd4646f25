// DSSE pre-authentication encoding (PAE), the bytes an envelope signature covers, and the envelope itself.
// Defined once here because every signer (the assembler's bundles, the verifier's attestations) and the
// verifier must agree on them exactly.
export const DSSE_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseSignature {
  keyid: string;
  /** base64 Ed25519 signature over PAE(payloadType, payload bytes). */
  sig: string;
}

export interface DsseEnvelope {
  payloadType: typeof DSSE_PAYLOAD_TYPE;
  /** base64 of the canonical JSON of the Statement. */
  payload: string;
  signatures: DsseSignature[];
}

export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  const header = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, 'utf8');
  return Buffer.concat([header, payload]);
}

/** Anything that signs a message with one key, named by its keyid (schemas/keys.ts#keyIdOf). */
export interface EnvelopeSigner {
  readonly keyid: string;
  /** base64 signature over `message`. */
  sign(message: Uint8Array): string;
}

/** The DSSE envelope of an in-toto payload, signed over its PAE. */
export function envelopeOf(payload: Buffer, signer: EnvelopeSigner): DsseEnvelope {
  return {
    payloadType: DSSE_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [{ keyid: signer.keyid, sig: signer.sign(preAuthEncoding(DSSE_PAYLOAD_TYPE, payload)) }],
  };
}
