// subject_digest and section_digests: the digests the statement declares match the content it carries.
import {
  actionIdentity,
  actionSubjectName,
  sessionSubjectName,
  type ActionProof,
} from '../../schemas/bundle.js';
import { canonicalDigest, sha256Hex } from '../../schemas/digest.js';
import { CheckFailure } from './check.js';
import type { ParsedStatement } from './statement.js';

/**
 * What each statement's subject names and covers (schemas/bundle.ts): an action by its identity fields; a
 * session by the Merkle root over its bundles, which is the seal's claim.
 */
function expectedSubject(parsed: ParsedStatement): { name: string; digest: string } {
  if (parsed.kind === 'action') {
    const { summary } = parsed.statement.predicate;
    return {
      name: actionSubjectName(summary.session_id, summary.action_id),
      digest: canonicalDigest(actionIdentity(summary)),
    };
  }
  const seal = parsed.statement.predicate;
  return { name: sessionSubjectName(seal.session_id), digest: seal.merkle_root };
}

export function verifySubjectDigest(parsed: ParsedStatement): void {
  const claimed = parsed.statement.subject[0]!;
  const expected = expectedSubject(parsed);
  if (claimed.name !== expected.name)
    throw new CheckFailure('subject_digest', `subject name ${claimed.name} ≠ ${expected.name}`);
  if (claimed.digest.sha256 !== expected.digest)
    throw new CheckFailure('subject_digest', `subject digest ${claimed.digest.sha256} ≠ ${expected.digest}`);
}

const SECTIONS = ['summary', 'evidence', 'verification'] as const;

/**
 * `payload` has passed statement_format, so it is the canonical JSON of the statement (RFC 8785), and canonical
 * JSON writes every value in place: the bytes of `predicate.<section>` in it are that section's canonical
 * form, the bytes its digest covers. They are hashed where they lie instead of serializing the sections again.
 */
export function verifySectionDigests(proof: ActionProof, payload: Buffer): void {
  const predicate = memberSpans(payload, payload.indexOf(OPEN_OBJECT)).get('predicate');
  const sections = predicate ? memberSpans(payload, predicate.start) : new Map<string, Span>();
  const wrong = SECTIONS.filter((section) => {
    const span = sections.get(section);
    return !span || proof.manifest.sections[section] !== sha256Hex(payload.subarray(span.start, span.end));
  });
  if (wrong.length > 0)
    throw new CheckFailure('section_digests', `manifest digest does not match section ${wrong.join(', ')}`);
}

interface Span {
  start: number;
  end: number;
}

const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const COMMA = 0x2c; // ,

/** The member values of the object that opens at `start` in compact JSON: key → where its value lies. */
function memberSpans(json: Buffer, start: number): Map<string, Span> {
  const spans = new Map<string, Span>();
  if (json[start] !== OPEN_OBJECT) return spans;
  let at = start + 1;
  while (json[at] === QUOTE) {
    const keyEnd = skipString(json, at);
    const key = json.toString('utf8', at + 1, keyEnd - 1);
    const valueStart = keyEnd + 1; // past the colon
    at = skipValue(json, valueStart);
    spans.set(key, { start: valueStart, end: at });
    if (json[at] === COMMA) at++;
  }
  return spans;
}

/** The index just past the string that opens at `at`. */
function skipString(json: Buffer, at: number): number {
  for (let i = at + 1; i < json.length; i++) {
    if (json[i] === BACKSLASH) i++;
    else if (json[i] === QUOTE) return i + 1;
  }
  return json.length;
}

/** The index just past the value that starts at `at`: a string, an object or array (nested), or a scalar. */
function skipValue(json: Buffer, at: number): number {
  const first = json[at];
  if (first === QUOTE) return skipString(json, at);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (let i = at; i < json.length;) {
      const byte = json[i];
      if (byte === QUOTE) {
        i = skipString(json, i);
        continue;
      }
      if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
      else if ((byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) && --depth === 0) return i + 1;
      i++;
    }
    return json.length;
  }
  // A number, true, false or null: up to the comma or bracket after it.
  let i = at;
  while (i < json.length && json[i] !== COMMA && json[i] !== CLOSE_OBJECT && json[i] !== CLOSE_ARRAY) i++;
  return i;
}
