// A signed approval grant: an approver's answer to one pending approval_gate request, signed with their
// Ed25519 key (`proofline approve`), checked by the server before it lets the call through, and carried into
// the action's bundle so an auditor can check who approved, offline.
//
// The grant is a DSSE envelope with its own payloadType (so an approver signature can never be taken for a
// bundle signature or the other way round) over the RFC 8785 canonical JSON of `ApprovalGrantStatement`:
//   signed bytes = PAE(APPROVAL_GRANT_PAYLOAD_TYPE, canonical JSON)   (schemas/dsse.ts)
// What stops a replay: the statement names one approval id and the action digest it stands for (so it fits
// one action in one session), the `challenge` the server drew for that pending request (so it fits one
// request on one server: a grant captured elsewhere, or for an earlier request, does not), and a validity
// window; the server takes it once.
import { sign, verify, type KeyObject } from 'node:crypto';

import { canonicalDigest, canonicalize, sha256Hex } from './digest.js';
import { preAuthEncoding } from './dsse.js';
import { ProoflineError } from './errors.js';
import type { GuardRequest } from './guard.js';
import { keyIdOf } from './keys.js';
import { APPROVAL_GRANT_TYPE, APPROVAL_GRANT_TYPES } from './type-uris.js';

export const APPROVAL_GRANT_PAYLOAD_TYPE = 'application/vnd.proofline.approval-grant+json';
export { APPROVAL_GRANT_TYPE } from './type-uris.js';

/** The longest a grant may be valid for: an approval is for a call about to be retried, not a standing permit. */
export const MAX_GRANT_LIFETIME_MS = 60 * 60 * 1000;
/** Default validity of a grant `proofline approve` signs. */
export const DEFAULT_GRANT_LIFETIME_MS = 10 * 60 * 1000;
/** Clock difference tolerated between the approver's machine and the server. */
export const GRANT_CLOCK_SKEW_MS = 60 * 1000;

export const GRANT_DECISIONS = ['approved', 'denied'] as const;
export type GrantDecision = (typeof GRANT_DECISIONS)[number];

export interface ApprovalGrantStatement {
  /** APPROVAL_GRANT_TYPE; LEGACY_APPROVAL_GRANT_TYPE in grants signed before the namespace moved. */
  _type: (typeof APPROVAL_GRANT_TYPES)[number];
  /** The pending request answered (16 hex). */
  approval_id: string;
  /** sha256 of the canonical {session_id, tool_name, tool_input, cwd} the request was made for. */
  action_digest: string;
  session_id: string;
  decision: GrantDecision;
  /** The registered name of the key's holder. */
  approver: string;
  /** sha256 of the approver's SPKI public key: the key that signs. */
  keyid: string;
  /** The server's random challenge for this pending request. */
  challenge: string;
  /** RFC 3339, UTC, milliseconds (`Date.prototype.toISOString`). */
  issued_at: string;
  expires_at: string;
}

export interface ApprovalGrantEnvelope {
  payloadType: typeof APPROVAL_GRANT_PAYLOAD_TYPE;
  /** base64 of the canonical JSON of the statement. */
  payload: string;
  signatures: [{ keyid: string; sig: string }];
}

export type GrantErrorCode = 'GRANT_MALFORMED';

export class GrantError extends ProoflineError<GrantErrorCode> {}

/** sha256 of the canonical `{session_id, tool_name, tool_input, cwd}`: what an approval is bound to. The same
 * command in another session, directory or with other arguments is another action. */
export function actionDigest(
  request: Pick<GuardRequest, 'session_id' | 'tool_name' | 'tool_input' | 'cwd'>,
): string {
  return canonicalDigest({
    session_id: request.session_id,
    tool_name: request.tool_name,
    tool_input: request.tool_input,
    ...(request.cwd === undefined ? {} : { cwd: request.cwd }),
  });
}

/** Short enough to read out: the first 16 hex of sha256 of the action digest. */
export function approvalIdOf(digest: string): string {
  return sha256Hex(digest).slice(0, 16);
}

/** The exact bytes an approver signs. */
export function grantSigningBytes(payload: Uint8Array): Buffer {
  return preAuthEncoding(APPROVAL_GRANT_PAYLOAD_TYPE, payload);
}

export function signGrant(statement: ApprovalGrantStatement, privateKey: KeyObject): ApprovalGrantEnvelope {
  const payload = Buffer.from(canonicalize(statement), 'utf8');
  return {
    payloadType: APPROVAL_GRANT_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [
      { keyid: statement.keyid, sig: sign(null, grantSigningBytes(payload), privateKey).toString('base64') },
    ],
  };
}

export interface ParsedGrant {
  envelope: ApprovalGrantEnvelope;
  statement: ApprovalGrantStatement;
  /** The payload bytes, as signed. */
  payload: Buffer;
  signature: Buffer;
}

/** Checks an envelope's shape and its statement's; throws GrantError. The signature is checked apart
 * (`verifyGrantSignature`), against a key the caller trusts. */
export function parseGrant(value: unknown): ParsedGrant {
  if (!isObject(value)) throw malformed('the grant must be a JSON object (a DSSE envelope)');
  const { payloadType, payload, signatures } = value;
  if (payloadType !== APPROVAL_GRANT_PAYLOAD_TYPE)
    throw malformed(`payloadType must be ${APPROVAL_GRANT_PAYLOAD_TYPE}`);
  if (!Array.isArray(signatures) || signatures.length !== 1 || !isObject(signatures[0]))
    throw malformed('a grant carries exactly one signature');
  const { keyid, sig } = signatures[0];
  if (typeof keyid !== 'string' || !/^[0-9a-f]{64}$/.test(keyid))
    throw malformed('signatures[0].keyid must be 64 hex');
  const signature = strictBase64(sig);
  if (signature === undefined || signature.length !== 64)
    throw malformed('signatures[0].sig must be a base64 Ed25519 signature');
  const bytes = strictBase64(payload);
  if (bytes === undefined) throw malformed('payload must be base64');
  let statement: unknown;
  try {
    statement = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed('payload is not JSON');
  }
  // One statement has one byte form: what was signed is exactly what is read.
  if (canonicalize(statement) !== bytes.toString('utf8'))
    throw malformed('payload is not RFC 8785 canonical JSON');
  assertStatement(statement);
  if (statement.keyid !== keyid) throw malformed('the statement names another key than the one that signed');
  return {
    envelope: { payloadType, payload: payload as string, signatures: [{ keyid, sig: sig as string }] },
    statement,
    payload: bytes,
    signature,
  };
}

/** Whether `publicKey` (which must be the one the grant names) signed it. */
export function verifyGrantSignature(grant: ParsedGrant, publicKey: KeyObject): boolean {
  if (keyIdOf(publicKey) !== grant.statement.keyid) return false;
  try {
    return verify(null, grantSigningBytes(grant.payload), publicKey, grant.signature);
  } catch {
    return false;
  }
}

/** RFC 3339 UTC with milliseconds, exactly as `toISOString` writes it; undefined for anything else. */
export function grantTime(text: string): number | undefined {
  const ms = Date.parse(text);
  return Number.isFinite(ms) && new Date(ms).toISOString() === text ? ms : undefined;
}

function assertStatement(value: unknown): asserts value is ApprovalGrantStatement {
  if (!isObject(value)) throw malformed('the statement must be a JSON object');
  const s = value as Record<string, unknown>;
  const known = new Set([
    '_type',
    'approval_id',
    'action_digest',
    'session_id',
    'decision',
    'approver',
    'keyid',
    'challenge',
    'issued_at',
    'expires_at',
  ]);
  const extra = Object.keys(s).find((key) => !known.has(key));
  if (extra !== undefined) throw malformed(`unknown statement field ${extra}`);
  if (!(APPROVAL_GRANT_TYPES as readonly unknown[]).includes(s._type))
    throw malformed(`_type must be ${APPROVAL_GRANT_TYPE}`);
  if (typeof s.approval_id !== 'string' || !/^[0-9a-f]{16}$/.test(s.approval_id))
    throw malformed('approval_id must be 16 hex');
  if (typeof s.action_digest !== 'string' || !/^[0-9a-f]{64}$/.test(s.action_digest))
    throw malformed('action_digest must be 64 hex');
  if (approvalIdOf(s.action_digest) !== s.approval_id)
    throw malformed('approval_id is not the id of action_digest');
  if (typeof s.session_id !== 'string' || s.session_id === '') throw malformed('session_id is empty');
  if (!(GRANT_DECISIONS as readonly unknown[]).includes(s.decision))
    throw malformed('decision must be "approved" or "denied"');
  if (typeof s.approver !== 'string' || s.approver === '') throw malformed('approver is empty');
  if (typeof s.keyid !== 'string') throw malformed('keyid is missing');
  if (typeof s.challenge !== 'string' || !/^[0-9a-f]{32,128}$/.test(s.challenge))
    throw malformed('challenge must be hex');
  for (const field of ['issued_at', 'expires_at'] as const) {
    if (typeof s[field] !== 'string' || grantTime(s[field]) === undefined)
      throw malformed(`${field} must be an RFC 3339 UTC time with milliseconds`);
  }
}

function strictBase64(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
    return undefined;
  return Buffer.from(value, 'base64');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(problem: string): GrantError {
  return new GrantError('GRANT_MALFORMED', `malformed approval grant: ${problem}`);
}
