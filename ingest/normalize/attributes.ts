// OTLP attributes into Observation attrs (schemas/observations.md, "Attributes"): scalars as they are, arrays and
// maps as canonical JSON text, tracing noise dropped, repeated keys kept apart, sensitive content as digests,
// every stored string redacted.
import { canonicalDigest, canonicalize, sha256Hex } from '../../schemas/digest.js';
import type { AttrValue } from '../../schemas/observation.js';
import type { OtlpAnyValue, OtlpKeyValue } from '../otlp/model.js';
import { contentAttrs, type ContentPolicy } from './content.js';
import { redactSecrets } from '../../schemas/redact.js';

/** Keys whose text is what the agent read or wrote (Codex prompt/arguments/output/response, GenAI content). */
const CONTENT_KEYS = new Set([
  'prompt',
  'arguments',
  'output',
  'response',
  'gen_ai.prompt',
  'gen_ai.completion',
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
]);

const NOISE_KEYS = new Set(['busy_ns', 'idle_ns', 'thread.name']);

function isNoise(key: string, value: OtlpAnyValue): boolean {
  // A numeric `thread.id` is the OS thread; Codex's string `thread.id` is the conversation and is kept.
  return key.startsWith('code.') || NOISE_KEYS.has(key) || (key === 'thread.id' && !('stringValue' in value));
}

/** The JSON value an AnyValue stands for: int64 as a number when it is exact, else its decimal string. */
function anyValueToJson(value: OtlpAnyValue): unknown {
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value)
    return Number.isSafeInteger(Number(value.intValue)) ? Number(value.intValue) : value.intValue;
  if ('doubleValue' in value) return value.doubleValue;
  if ('bytesValue' in value) return value.bytesValue;
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(anyValueToJson);
  if ('kvlistValue' in value) {
    return Object.fromEntries(
      (value.kvlistValue.values ?? []).map((kv) => [kv.key ?? '', anyValueToJson(kv.value ?? {})]),
    );
  }
  return null;
}

/** An AnyValue as one attribute value, unredacted. */
export function anyValueToScalar(value: OtlpAnyValue): AttrValue {
  const json = anyValueToJson(value);
  return json === null || typeof json !== 'object' ? (json as AttrValue) : canonicalize(json);
}

/** Attributes as scalars without redaction or content digests, for code that must see the original text. */
export function rawAttributes(kvs: readonly OtlpKeyValue[] | undefined): Record<string, AttrValue> {
  return Object.fromEntries(groupByKey(kvs).map(([key, values]) => [key, anyValueToScalar(values[0]!)]));
}

/** The first string value of `key`, unredacted (ids, names). */
export function stringAttribute(kvs: readonly OtlpKeyValue[] | undefined, key: string): string | undefined {
  for (const kv of kvs ?? []) {
    if (kv.key === key && kv.value && 'stringValue' in kv.value) return kv.value.stringValue;
  }
  return undefined;
}

export function boolAttribute(kvs: readonly OtlpKeyValue[] | undefined, key: string): boolean | undefined {
  for (const kv of kvs ?? []) {
    if (kv.key === key && kv.value && 'boolValue' in kv.value) return kv.value.boolValue;
  }
  return undefined;
}

/** The string elements of an array attribute (a lone string counts as a one-element array). */
export function stringListAttribute(kvs: readonly OtlpKeyValue[] | undefined, key: string): string[] {
  for (const kv of kvs ?? []) {
    if (kv.key !== key || !kv.value) continue;
    if ('stringValue' in kv.value) return [kv.value.stringValue];
    if ('arrayValue' in kv.value)
      return (kv.value.arrayValue.values ?? []).flatMap((v) => ('stringValue' in v ? [v.stringValue] : []));
  }
  return [];
}

export interface FlatAttributes {
  attrs: Record<string, AttrValue>;
  /** The original text of every content attribute, by key, for digests that must join across sources. */
  contents: Record<string, string>;
  /** What rawAttributes() gives for the same attributes, taken in the same pass. */
  raw: Record<string, AttrValue>;
}

export function flattenAttributes(
  kvs: readonly OtlpKeyValue[] | undefined,
  policy: ContentPolicy,
): FlatAttributes {
  const attrs: Record<string, AttrValue> = {};
  const contents: Record<string, string> = {};
  const raw: Record<string, AttrValue> = {};
  for (const [key, values] of groupByKey(kvs)) {
    values.forEach((value, index) => {
      const name = index === 0 ? key : `${key}#${index}`;
      const scalar = anyValueToScalar(value);
      if (index === 0) put(raw, key, scalar);
      if (CONTENT_KEYS.has(key) && scalar !== null) {
        const text = String(scalar);
        contents[name] = text;
        Object.assign(attrs, contentAttrs(name, text, policy));
      } else {
        put(attrs, name, typeof scalar === 'string' ? redactSecrets(scalar) : scalar);
      }
    });
  }
  return { attrs, contents, raw };
}

/** An own property even for a wire key named `__proto__`, which plain assignment would take as the prototype
 * (and so drop the attribute). */
function put(target: Record<string, AttrValue>, key: string, value: AttrValue): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

// Values per key in arrival order, noise removed, duplicates merged, a string value first (Codex sends
// `thread.id` twice: the OS thread as int, the conversation as string). Duplicates are found by their
// canonical form in a set: comparing each value with every earlier one made a record repeating one key
// thousands of times cost seconds of the server's thread.
function groupByKey(kvs: readonly OtlpKeyValue[] | undefined): [string, OtlpAnyValue[]][] {
  const groups = new Map<string, { values: OtlpAnyValue[]; seen?: Set<string> }>();
  for (const { key = '', value = {} } of kvs ?? []) {
    if (isNoise(key, value)) continue;
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, { values: [value] });
      continue;
    }
    group.seen ??= new Set(group.values.map((seen) => canonicalize(seen)));
    const form = canonicalize(value);
    if (group.seen.has(form)) continue;
    group.seen.add(form);
    group.values.push(value);
  }
  return [...groups].map(([key, { values }]) => [
    key,
    values.length === 1 ? values : [...values.filter(isString), ...values.filter((v) => !isString(v))],
  ]);
}

function isString(value: OtlpAnyValue): boolean {
  return 'stringValue' in value;
}

/** `payload_digest`: sha256 of the one content text, or of the canonical map of each content's digest. */
export function payloadDigest(contents: Record<string, string>): string | undefined {
  const entries = Object.entries(contents);
  if (entries.length === 0) return undefined;
  if (entries.length === 1) return sha256Hex(entries[0]![1]);
  return canonicalDigest(Object.fromEntries(entries.map(([key, text]) => [key, sha256Hex(text)])));
}
