// The digests the SDK puts on spans instead of content (privacy by default). The input digest is the one the
// server gives the same call's guard decision (POST /v1/decide), so the span and the decision agree on it.
import { canonicalDigest, sha256Hex } from '../schemas/digest.js';

/** sha256 of the shell command when the input has one (`command`, a string), else of the canonical input. */
export function inputDigest(input: Readonly<Record<string, unknown>>): string {
  const { command } = input;
  return typeof command === 'string' ? sha256Hex(command) : canonicalDigest(input);
}

/** sha256 of the output text, or of the canonical JSON of a structured output. */
export function outputDigest(output: string | object): string {
  return typeof output === 'string' ? sha256Hex(output) : canonicalDigest(output);
}
