// `proofline.input.digest` for a tool call's arguments as the model sent them (JSON text). Equal to the hook
// side's digest of `tool_input.command` for shell tools, so both sources join on it: sha256 of the exact
// command string; for other tools, of the canonical arguments.
import { canonicalDigest, sha256Hex, toolInputDigest } from '../../schemas/digest.js';

export function argumentsDigest(argumentsText: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(argumentsText);
  } catch {
    return sha256Hex(argumentsText);
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? toolInputDigest(parsed as Record<string, unknown>)
    : canonicalDigest(parsed);
}
