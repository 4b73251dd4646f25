// The output digest the SDK puts on spans instead of content (privacy by default); the input digest is the one
// every source computes, schemas/digest.ts#toolInputDigest.
import { canonicalDigest, sha256Hex } from '../schemas/digest.js';

/** sha256 of the output text, or of the canonical JSON of a structured output. */
export function outputDigest(output: string | object): string {
  return typeof output === 'string' ? sha256Hex(output) : canonicalDigest(output);
}
