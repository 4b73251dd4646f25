// DSSE pre-authentication encoding (PAE), the bytes an envelope signature covers. Defined once here because
// signer and verifier must agree on it exactly.

export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  const header = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, 'utf8');
  return Buffer.concat([header, payload]);
}
