// How every digest in proofline is computed: sha256 over RFC 8785 (JCS) canonical JSON. Part of the
// contract, so producers and the verifier agree byte for byte.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

// The package is CommonJS with an ESM-style `export default` typing; load it the way Node actually does.
const canonicalizeJson = createRequire(import.meta.url)('canonicalize') as (
  input: unknown,
) => string | undefined;

export function canonicalize(value: unknown): string {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new TypeError('value has no canonical JSON form');
  return text;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function canonicalDigest(value: unknown): string {
  return sha256Hex(canonicalize(value));
}

/**
 * `proofline.input.digest` of a tool's input: sha256 of its shell command — `cmd` as Codex's shell tool names
 * it, `command` as hooks, SDKs and gateways do — else of the canonical input. Every source computes it this
 * way, so the records of one call join on it.
 */
export function toolInputDigest(input: Readonly<Record<string, unknown>>): string {
  const { cmd, command } = input;
  if (typeof cmd === 'string') return sha256Hex(cmd);
  if (typeof command === 'string') return sha256Hex(command);
  return canonicalDigest(input);
}
