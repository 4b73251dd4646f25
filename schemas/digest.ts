// How every digest in proofline is computed: sha256 over RFC 8785 (JCS) canonical JSON. Part of the
// contract, so producers and the verifier agree byte for byte.
import { createHash } from 'node:crypto';

import { OBSERVATION_ID_EXCLUDES, type Observation } from './observation.js';

const ID_EXCLUDES: ReadonlySet<string> = new Set(OBSERVATION_ID_EXCLUDES);

export function canonicalize(value: unknown): string {
  const text = serialize(value);
  if (text === undefined) throw new TypeError('value has no canonical JSON form');
  return text;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function canonicalDigest(value: unknown): string {
  return sha256Hex(canonicalize(value));
}

export function observationId(obs: Omit<Observation, 'id'> | Observation): string {
  // The identity is the record minus the excluded keys: skipped while serializing rather than copied away.
  return sha256Hex(serialize(obs, ID_EXCLUDES)!);
}

// The same text, byte for byte, as the `canonicalize` package (v2) that earlier ids and bundles were made with,
// edge cases included: strings and numbers as JSON.stringify writes them (ES number form, as RFC 8785 asks),
// keys sorted by UTF-16 code units, undefined and symbol members left out of objects and written as null in
// arrays, array holes skipped, toJSON honoured, NaN and Infinity refused. It is a loop instead of the
// package's reduce over template strings, which made canonicalization the top cost of ingest; and a subtree
// that is already in canonical shape (see isCanonicalShape) is handed whole to the native JSON.stringify. `omit`
// names top-level keys to leave out.
function serialize(value: unknown, omit?: ReadonlySet<string>): string | undefined {
  if (typeof value === 'string') return JSON.stringify(value);
  if (omit === undefined && isCanonicalShape(value, 0)) return JSON.stringify(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new Error('NaN is not allowed');
    if (!Number.isFinite(value)) throw new Error('Infinity is not allowed');
    return JSON.stringify(value);
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (toJSON instanceof Function) return serialize((toJSON as () => unknown).call(value));
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) continue;
      const item: unknown = value[i];
      if (i !== 0) out += ',';
      out += serialize(item === undefined || typeof item === 'symbol' ? null : item);
    }
    return out + ']';
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (const key of keys) {
    const member = object[key];
    if (member === undefined || typeof member === 'symbol' || omit?.has(key)) continue;
    if (out.length !== 1) out += ',';
    out += JSON.stringify(key) + ':' + serialize(member);
  }
  return out + '}';
}

/** Depth past which the shape is not checked (the loop above then does the work). */
const MAX_SHAPE_DEPTH = 8;

/**
 * True when JSON.stringify writes `value` exactly as serialize would: every object's keys already come in
 * sorted order (JSON.stringify writes them in Object.keys order), no toJSON anywhere, no array holes, and
 * every leaf a string, finite number, boolean or null (undefined, symbols, functions and NaN are where the two
 * differ, or where serialize must throw).
 */
function isCanonicalShape(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth > MAX_SHAPE_DEPTH) return false;
  if ((value as { toJSON?: unknown }).toJSON !== undefined) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value) || !isCanonicalShape(value[i], depth + 1)) return false;
    }
    return true;
  }
  const object = value as Record<string, unknown>;
  let previous: string | undefined;
  for (const key of Object.keys(object)) {
    if (previous !== undefined && !(previous < key)) return false;
    if (!isCanonicalShape(object[key], depth + 1)) return false;
    previous = key;
  }
  return true;
}
