// Transparency-log checkpoints as C2SP defines them (schemas/checkpoint.md): the tlog-checkpoint body
// (`<origin>\n<size>\n<base64 root>\n` and optional extension lines) inside a C2SP signed note, signed with
// Ed25519 — the form golang.org/x/mod/sumdb/note, Sigstore and the transparency-dev witnesses read. Parsing
// is strict: whatever the specs reject is rejected here, with a code saying what was wrong.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export type CheckpointErrorCode =
  /** Not a signed note: bad UTF-8, a control character, no signature block, a bad signature line. */
  | 'NOTE_MALFORMED'
  /** A well-formed note that no known key has signed. */
  | 'NOTE_UNVERIFIED'
  /** A known key's signature that does not verify: the whole note is rejected. */
  | 'NOTE_BAD_SIGNATURE'
  /** A key name, verifier key or key that cannot be used (wrong type, bad hash, ambiguous). */
  | 'NOTE_BAD_KEY'
  /** A note text that is not a checkpoint body. */
  | 'CHECKPOINT_MALFORMED'
  /** A checkpoint from a log other than the one expected. */
  | 'CHECKPOINT_WRONG_ORIGIN';

export class CheckpointError extends Error {
  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** More than this many signature lines and a note is rejected (the spec requires accepting 16; Go stops at 100). */
export const MAX_NOTE_SIGNATURES = 100;
/** A note larger than this is rejected before it is read: room for 100 post-quantum (≈5 kB) signatures. */
export const MAX_NOTE_BYTES = 1024 * 1024;

const ED25519_SIGNATURE_TYPE = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';
const KEY_ID_SIZE = 4;

// ---- Text rules shared by notes and checkpoints --------------------------------------------------------------

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The note as text, if it is what the signed-note spec allows: valid UTF-8, no control character but \n. */
function noteText(message: string | Uint8Array, code: CheckpointErrorCode): string {
  let text: string;
  if (typeof message === 'string') {
    if (/\p{Cs}/u.test(message))
      throw new CheckpointError(code, 'text is not valid Unicode (lone surrogate)');
    text = message;
  } else {
    try {
      text = utf8.decode(message);
    } catch {
      throw new CheckpointError(code, 'text is not valid UTF-8');
    }
  }
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const control = /[\u0000-\u0009\u000b-\u001f]/.exec(text);
  if (control)
    throw new CheckpointError(
      code,
      `text contains control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  return text;
}

/**
 * A key name (and a checkpoint origin proofline writes): non-empty, no Unicode space (White_Space, which is
 * what Go's unicode.IsSpace tests in x/mod/sumdb/note) and no plus; nor anything a note cannot carry.
 */
export function assertKeyName(name: string): void {
  // eslint-disable-next-line no-control-regex -- control characters cannot be in a note at all
  if (name.length === 0 || /[\p{White_Space}+\p{Cs}\u0000-\u001f]/u.test(name))
    throw new CheckpointError('NOTE_BAD_KEY', `not a valid key name: ${JSON.stringify(name)}`);
}

/**
 * Standard base64 with padding, in its one canonical form. Node's decoder skips characters it does not know,
 * accepts the URL alphabet and ignores trailing bits, so the text must be exactly what the bytes encode to.
 */
export function decodeStrictBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.length > 0 && bytes.toString('base64') === text ? bytes : undefined;
}

// ---- Ed25519 keys ---------------------------------------------------------------------------------------------

function rawEd25519PublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519')
    throw new CheckpointError(
      'NOTE_BAD_KEY',
      `expected an ed25519 key, got ${publicKey.asymmetricKeyType ?? 'a secret key'}`,
    );
  return Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
}

/** The signed-note key ID: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || 32-byte public key). */
export function ed25519KeyId(name: string, key: KeyObject): number {
  assertKeyName(name);
  return keyIdOf(name, Buffer.concat([Buffer.from([ED25519_SIGNATURE_TYPE]), rawEd25519PublicKey(key)]));
}

/** `encoded` is the signature type byte followed by the public key, as a verifier key carries it. */
function keyIdOf(name: string, encoded: Uint8Array): number {
  return createHash('sha256').update(name, 'utf8').update('\n').update(encoded).digest().readUInt32BE(0);
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Uint8Array): Buffer;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

export function ed25519NoteSigner(name: string, privateKey: KeyObject): NoteSigner {
  if (privateKey.type !== 'private')
    throw new CheckpointError('NOTE_BAD_KEY', `signing needs a private key, got a ${privateKey.type} key`);
  const keyId = ed25519KeyId(name, privateKey);
  return { name, keyId, sign: (text) => sign(null, text, privateKey) };
}

export function ed25519NoteVerifier(name: string, publicKey: KeyObject): NoteVerifier {
  const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  const keyId = ed25519KeyId(name, key);
  return { name, keyId, verify: (text, signature) => verifyEd25519(text, key, signature) };
}

function verifyEd25519(text: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  try {
    return verify(null, text, key, signature);
  } catch {
    // A signature of the wrong length makes node throw rather than return false; it is just as invalid.
    return false;
  }
}

/** The verifier key golang.org/x/mod/sumdb/note.NewVerifier reads: `<name>+<hex key ID>+<base64(0x01 || key)>`. */
export function verifierKey(name: string, publicKey: KeyObject): string {
  const encoded = Buffer.concat([Buffer.from([ED25519_SIGNATURE_TYPE]), rawEd25519PublicKey(publicKey)]);
  assertKeyName(name);
  return `${name}+${hex8(keyIdOf(name, encoded))}+${encoded.toString('base64')}`;
}

export function parseVerifierKey(vkey: string): NoteVerifier {
  const bad = (why: string): never => {
    throw new CheckpointError('NOTE_BAD_KEY', `verifier key ${JSON.stringify(vkey)}: ${why}`);
  };
  // Two fields end at the first two pluses; the base64 key after them may hold pluses of its own.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) bad('expected <name>+<key ID>+<key>');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const encoded = decodeStrictBase64(vkey.slice(second + 1));
  assertKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex)) bad('the key ID is not 8 lower-case hex digits');
  if (!encoded) bad('the key is not canonical base64');
  if (encoded![0] !== ED25519_SIGNATURE_TYPE)
    bad(`signature type 0x${hex2(encoded![0]!)} is not Ed25519 (0x01)`);
  if (encoded!.length !== 33) bad(`an Ed25519 key is 32 bytes, got ${encoded!.length - 1}`);
  const keyId = keyIdOf(name, encoded!);
  if (hex8(keyId) !== idHex) bad(`the key ID should be ${hex8(keyId)}`);
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: encoded!.subarray(1).toString('base64url') },
    format: 'jwk',
  });
  return { name, keyId, verify: (text, signature) => verifyEd25519(text, publicKey, signature) };
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

// ---- Signed notes -----------------------------------------------------------------------------------------

export interface NoteSignature {
  name: string;
  keyId: number;
  /** The signature proper, without the 4-byte key ID. */
  signature: Buffer;
}

export interface OpenedNote {
  /** The signed text, final newline included. */
  text: string;
  /** Signatures by known keys, each verified; one per key. */
  verified: NoteSignature[];
  /** Signatures by keys not in the list, unchecked (the spec says to ignore them); duplicates dropped. */
  unverified: NoteSignature[];
}

/** `text` (ending in a newline) and a signature line per signer, in order. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  noteText(text, 'NOTE_MALFORMED');
  if (!text.endsWith('\n')) throw new CheckpointError('NOTE_MALFORMED', 'note text must end with a newline');
  if (signers.length === 0)
    throw new CheckpointError('NOTE_MALFORMED', 'a note needs at least one signature');
  if (signers.length > MAX_NOTE_SIGNATURES)
    throw new CheckpointError('NOTE_MALFORMED', `more than ${MAX_NOTE_SIGNATURES} signatures`);
  const bytes = Buffer.from(text, 'utf8');
  const lines = signers.map((signer) => {
    assertKeyName(signer.name);
    const id = Buffer.alloc(KEY_ID_SIZE);
    id.writeUInt32BE(signer.keyId);
    return `${SIGNATURE_PREFIX}${signer.name} ${Buffer.concat([id, signer.sign(bytes)]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/**
 * Parses a signed note and checks it against the known keys. Signatures by unknown keys (name and key ID not
 * both matching) are set aside; every signature by a known key must verify, or the note is rejected; at least
 * one must be there.
 */
export function openNote(message: string | Uint8Array, known: readonly NoteVerifier[]): OpenedNote {
  const size = typeof message === 'string' ? Buffer.byteLength(message, 'utf8') : message.length;
  if (size > MAX_NOTE_BYTES)
    throw new CheckpointError('NOTE_MALFORMED', `note is ${size} bytes, more than ${MAX_NOTE_BYTES}`);
  const verifiers = verifierIndex(known);
  const all = noteText(message, 'NOTE_MALFORMED');
  const split = all.lastIndexOf('\n\n');
  if (split < 0) throw new CheckpointError('NOTE_MALFORMED', 'no blank line before the signatures');
  const text = all.slice(0, split + 1);
  const block = all.slice(split + 2);
  if (!block.endsWith('\n'))
    throw new CheckpointError('NOTE_MALFORMED', 'the signature block must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES)
    throw new CheckpointError(
      'NOTE_MALFORMED',
      `${lines.length} signature lines, more than ${MAX_NOTE_SIGNATURES}`,
    );

  const textBytes = Buffer.from(text, 'utf8');
  const verified = new Map<string, NoteSignature>();
  const unverified = new Map<string, NoteSignature>();
  lines.forEach((line, i) => {
    const signature = parseSignatureLine(line, i);
    const slot = `${signature.name}+${hex8(signature.keyId)}`;
    const verifier = verifiers.get(slot);
    if (!verifier) {
      unverified.set(line, signature);
      return;
    }
    if (!verifier.verify(textBytes, signature.signature))
      throw new CheckpointError('NOTE_BAD_SIGNATURE', `the signature by ${slot} does not verify`);
    if (!verified.has(slot)) verified.set(slot, signature);
  });
  if (verified.size === 0) {
    const names = [...unverified.values()].map((s) => `${s.name}+${hex8(s.keyId)}`).join(', ');
    throw new CheckpointError('NOTE_UNVERIFIED', `no signature by a known key (signed by ${names})`);
  }
  return { text, verified: [...verified.values()], unverified: [...unverified.values()] };
}

function verifierIndex(known: readonly NoteVerifier[]): Map<string, NoteVerifier> {
  const index = new Map<string, NoteVerifier>();
  for (const verifier of known) {
    const slot = `${verifier.name}+${hex8(verifier.keyId)}`;
    // Two keys one signature line could name: whichever verified, the other would be bypassed.
    if (index.has(slot)) throw new CheckpointError('NOTE_BAD_KEY', `two known keys are both ${slot}`);
    index.set(slot, verifier);
  }
  return index;
}

function parseSignatureLine(line: string, i: number): NoteSignature {
  const bad = (why: string): never => {
    throw new CheckpointError('NOTE_MALFORMED', `signature line ${i + 1}: ${why}`);
  };
  if (!line.startsWith(SIGNATURE_PREFIX)) bad('does not start with an em dash (U+2014) and a space');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) bad('no space between key name and signature');
  const name = rest.slice(0, space);
  try {
    assertKeyName(name);
  } catch {
    bad(`${JSON.stringify(name)} is not a valid key name`);
  }
  const bytes = decodeStrictBase64(rest.slice(space + 1));
  if (!bytes) bad('the signature is not canonical base64');
  if (bytes!.length <= KEY_ID_SIZE) bad('the signature is no longer than its key ID');
  return { name, keyId: bytes!.readUInt32BE(0), signature: Buffer.from(bytes!.subarray(KEY_ID_SIZE)) };
}

// ---- Checkpoints ------------------------------------------------------------------------------------------

export interface LogCheckpoint {
  /** The log's identity; proofline's is documented in schemas/checkpoint.md. */
  origin: string;
  /** Number of leaves. */
  size: number;
  /** RFC 6962 root of those leaves (32 bytes). */
  rootHash: Buffer;
  /** Opaque extra lines, each non-empty; none in what proofline writes. */
  extensions: string[];
}

export function formatCheckpoint(checkpoint: LogCheckpoint): string {
  const { origin, size, rootHash, extensions } = checkpoint;
  const bad = (why: string): never => {
    throw new CheckpointError('CHECKPOINT_MALFORMED', why);
  };
  try {
    assertKeyName(origin);
  } catch {
    bad(`origin ${JSON.stringify(origin)} must be non-empty with no space, plus or control character`);
  }
  if (!Number.isSafeInteger(size) || size < 0) bad(`tree size ${size} is not a non-negative safe integer`);
  if (rootHash.length !== 32) bad(`root hash is ${rootHash.length} bytes, not 32`);
  for (const line of extensions) {
    if (line.length === 0 || line.includes('\n')) bad('an extension line must be one non-empty line');
  }
  const text = [origin, String(size), rootHash.toString('base64'), ...extensions]
    .map((l) => `${l}\n`)
    .join('');
  noteText(text, 'CHECKPOINT_MALFORMED');
  return text;
}

/** Reads a checkpoint body (a note's text, final newline included). */
export function parseCheckpoint(text: string | Uint8Array): LogCheckpoint {
  const body = noteText(text, 'CHECKPOINT_MALFORMED');
  const bad = (why: string): never => {
    throw new CheckpointError('CHECKPOINT_MALFORMED', why);
  };
  if (!body.endsWith('\n')) bad('checkpoint must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) bad(`a checkpoint has at least 3 lines, got ${lines.length}`);
  const empty = lines.findIndex((l) => l.length === 0);
  if (empty >= 0) bad(`line ${empty + 1} is empty`);
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText))
    bad(`tree size ${JSON.stringify(sizeText)} is not a decimal number`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) bad(`tree size ${sizeText} is too large`);
  const rootHash = decodeStrictBase64(rootText);
  if (!rootHash || rootHash.length !== 32) bad('root hash is not the canonical base64 of 32 bytes');
  return { origin, size, rootHash: rootHash!, extensions };
}

/** A checkpoint as a signed note. The signer's name is usually the origin (the spec recommends it). */
export function signCheckpoint(checkpoint: LogCheckpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

/** Opens a signed checkpoint from the log named `origin`, signed by at least one of `known`. */
export function openCheckpoint(
  message: string | Uint8Array,
  known: readonly NoteVerifier[],
  origin: string,
): { checkpoint: LogCheckpoint; note: OpenedNote } {
  const note = openNote(message, known);
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint.origin !== origin)
    throw new CheckpointError(
      'CHECKPOINT_WRONG_ORIGIN',
      `checkpoint is from ${JSON.stringify(checkpoint.origin)}, not ${JSON.stringify(origin)}`,
    );
  return { checkpoint, note };
}
