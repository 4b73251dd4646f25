// A hook's stdin as `POST /v1/hook/<Event>` receives it: the raw bytes, read with bounds. Nothing here
// recurses on the input or trusts its size: the size is capped by the route, nesting is measured by one flat
// scan before JSON.parse, and every way the bytes can fail to be a Codex hook payload becomes a problem
// (a sentence) the route answers with, never an exception.
import { assertHookPayload, GUARDED_EVENTS, HookPayloadError, type HookEvent, type HookPayload } from '../../schemas/hook.js';

/** Codex writes a few KiB; a command this large is refused rather than parsed. */
export const MAX_HOOK_PAYLOAD_BYTES = 1024 * 1024;
/** Deeper than any Codex payload; the normalizer and digests recurse over what is accepted. */
export const MAX_JSON_DEPTH = 256;

export type StdinReading =
  | { payload: HookPayload }
  /** `answerAs`: the event whose answer format Codex will parse (the payload's when it names a guarded one). */
  | { problem: string; answerAs: string };

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function readHookStdin(body: Buffer, event: HookEvent): StdinReading {
  const refuse = (problem: string, answerAs: string = event): StdinReading => ({ problem, answerAs });
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
  if (nestingExceeds(text, MAX_JSON_DEPTH))
    return refuse(`hook stdin is nested deeper than ${MAX_JSON_DEPTH} levels`);
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
    // Codex runs a handler with its own event's payload, so the payload's event is the answer Codex parses.
    const answerAs = GUARDED_EVENTS.has(value.hook_event_name) ? value.hook_event_name : event;
    return refuse(
      `hook stdin is a ${value.hook_event_name} event but this handler is configured for ${event} (run \`proofline init codex\` again)`,
      answerAs,
    );
  }
  return { payload: value };
}

// 1e400 parses to Infinity, which no canonical JSON (RFC 8785) can carry: the record could not be digested.
function finiteNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('a number is out of range');
  return value;
}

/** True when brackets outside strings nest deeper than `max`: one pass, no recursion, stops early. */
export function nestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
