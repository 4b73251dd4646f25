// A hook's stdin as `POST /v1/hook/<Event>` receives it: the raw bytes, read with bounds. Nothing here
// recurses on the input or trusts its size: the size is capped by the route, and one flat scan before
// JSON.parse measures nesting and finds duplicate keys (Codex serializes maps, so it never writes one; a
// payload that has one is not Codex's, and which copy wins is not worth deciding a tool call on). Every way the
// bytes can fail to be a Codex hook payload becomes a problem (a sentence) the route answers with.
import {
  assertHookPayload,
  GUARDED_EVENTS,
  HookPayloadError,
  type HookEvent,
  type HookPayload,
} from '../../schemas/hook.js';

/** Codex writes a few KiB; a command this large is refused rather than parsed. */
export const MAX_HOOK_PAYLOAD_BYTES = 1024 * 1024;
/** Deeper than any Codex payload; the normalizer and digests recurse over what is accepted. */
export const MAX_JSON_DEPTH = 256;

export type StdinReading =
  | { payload: HookPayload }
  /** `block`: answer with exit 2, which blocks whichever event Codex ran (the payload's and the handler's
   * events disagree, and one of them is guarded); otherwise the answer is the route event's. */
  | { problem: string; block?: true };

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function readHookStdin(body: Buffer, event: HookEvent): StdinReading {
  const refuse = (problem: string): StdinReading => ({ problem });
  if (body.length === 0) return refuse('hook stdin is empty');
  if (body.length > MAX_HOOK_PAYLOAD_BYTES)
    return refuse(`hook stdin exceeds ${MAX_HOOK_PAYLOAD_BYTES} bytes`);
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    return refuse('hook stdin is not valid UTF-8');
  }
  // RFC 8259 §8.1: a JSON text is sent without a BOM, and Codex sends none; a payload that has one is not Codex's.
  if (text.charCodeAt(0) === 0xfeff) return refuse('hook stdin starts with a byte order mark');
  const structural = structureProblem(text, MAX_JSON_DEPTH);
  if (structural) return refuse(`hook stdin ${structural}`);
  let value: unknown;
  try {
    value = JSON.parse(text, finiteNumbers);
  } catch (error) {
    return refuse(`hook stdin is not valid JSON (${(error as Error).message})`);
  }
  try {
    assertHookPayload(value);
  } catch (error) {
    if (error instanceof HookPayloadError) return refuse(`hook stdin: ${error.message}`);
    throw error;
  }
  if (value.hook_event_name !== event) {
    const named = JSON.stringify(value.hook_event_name.slice(0, 64));
    const problem = `hook stdin is a ${named} event but this handler is configured for ${event} (run \`proofline init codex\` again)`;
    return GUARDED_EVENTS.has(value.hook_event_name) || GUARDED_EVENTS.has(event)
      ? { problem, block: true }
      : { problem };
  }
  return { payload: value };
}

// 1e400 parses to Infinity, which no canonical JSON (RFC 8785) can carry: the record could not be digested.
function finiteNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('a number is out of range');
  return value;
}

interface Frame {
  /** The keys seen so far in an object; null in an array. */
  keys: Set<string> | null;
}

/** Nesting deeper than `max`, or an object with a key twice: one pass, no recursion, stops at the first. It
 * only has to be right on valid JSON; JSON.parse rejects the rest afterwards. */
export function structureProblem(text: string, max: number): string | undefined {
  const stack: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const keys = stack.at(-1)?.keys;
      if (expectKey && keys) {
        const raw = text.slice(start, i + 1);
        const key = escaped ? decodeString(raw) : raw.slice(1, -1);
        if (key !== undefined && keys.has(key))
          return `has the key "${key.slice(0, 64)}" twice in one object`;
        if (key !== undefined) keys.add(key);
      }
      expectKey = false;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ keys: c === 0x7b ? new Set() : null });
      if (stack.length > max) return `is nested deeper than ${max} levels`;
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) expectKey = stack.at(-1)?.keys != null;
  }
  return undefined;
}

function decodeString(raw: string): string | undefined {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return undefined;
  }
}
