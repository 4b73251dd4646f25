// The approvers a proofline server accepts approvals from (`serve --approvers FILE`) and an auditor trusts
// (`verify --approvers FILE`): each a name and an Ed25519 public key, keyid derived as for signing keys
// (schemas/keys.ts). One person may hold several keys (rotation); a keyid names exactly one approver.
//
//   { "approvers": [ { "name": "alice", "keyid": "<sha256 of SPKI DER, hex>", "alg": "ed25519",
//                      "public_key": "-----BEGIN PUBLIC KEY-----\n…" } ] }
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { ProoflineError } from './errors.js';
import { keyIdOf, type PublicKeyEntry } from './keys.js';

export interface ApproverEntry extends PublicKeyEntry {
  /** Who approves: what a signed grant names and a bundle records. */
  name: string;
}

export interface ApproverFile {
  approvers: ApproverEntry[];
}

export interface Approver {
  name: string;
  keyid: string;
  publicKey: KeyObject;
}

/** Registered approvers by keyid. */
export type ApproverSet = ReadonlyMap<string, Approver>;

/** The registered approvers a server recorded in its key directory (`<data>/keys/approvers.json`): what
 * `proofline verify` trusts, with a warning, when not given `--approvers`. */
export const REGISTERED_APPROVERS_FILE = 'approvers.json';

/** Letters, digits and `._@+-`: a name that reads the same in a log line, a bundle and a shell. */
export const APPROVER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

export class ApproversError extends ProoflineError<'APPROVERS_INVALID'> {
  constructor(file: string, problem: string) {
    // A server started with a bad approvers file must not start: a usage error (exit 2), like a bad config.
    super('APPROVERS_INVALID', `approvers file ${file}: ${problem}`, { exitCode: 2 });
  }
}

/** The entry `proofline keygen --approver NAME` prints for `publicKey`. */
export function approverEntry(name: string, publicKey: KeyObject): ApproverEntry {
  return {
    name,
    keyid: keyIdOf(publicKey),
    alg: 'ed25519',
    public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Reads and validates an approvers file; every problem is an ApproversError naming the file. */
export function readApproversFile(path: string): ApproverSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ApproversError(path, `cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApproversError(path, `not JSON (${(error as Error).message})`);
  }
  return readApproverFile(value, path);
}

/** Validates a parsed approvers file; `file` names it in errors. */
export function readApproverFile(value: unknown, file: string): ApproverSet {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as ApproverFile).approvers))
    throw new ApproversError(file, 'expected {"approvers": [{name, keyid, alg, public_key}, …]}');
  const set = new Map<string, Approver>();
  (value as ApproverFile).approvers.forEach((entry: Partial<ApproverEntry>, index) => {
    const at = `approvers[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw new ApproversError(file, `${at} is not an object`);
    if (typeof entry.name !== 'string' || !APPROVER_NAME_PATTERN.test(entry.name))
      throw new ApproversError(file, `${at}.name must match ${APPROVER_NAME_PATTERN.source}`);
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(String(entry.public_key));
    } catch (error) {
      throw new ApproversError(file, `${at}.public_key is not a public key (${(error as Error).message})`);
    }
    // A keyid that is not the key's own would let one key pass for another.
    if (entry.alg !== 'ed25519' || publicKey.asymmetricKeyType !== 'ed25519')
      throw new ApproversError(file, `${at} is not an ed25519 key`);
    if (entry.keyid !== keyIdOf(publicKey))
      throw new ApproversError(file, `${at}.keyid is not sha256 of its SPKI public key`);
    if (set.has(entry.keyid)) throw new ApproversError(file, `${at}: key ${entry.keyid} is registered twice`);
    set.set(entry.keyid, { name: entry.name, keyid: entry.keyid, publicKey });
  });
  return set;
}

/** The file form of a set, entries ordered by name then keyid. */
export function approverFileOf(set: ApproverSet): ApproverFile {
  return {
    approvers: [...set.values()]
      .sort((a, b) => a.name.localeCompare(b.name) || a.keyid.localeCompare(b.keyid))
      .map((approver) => approverEntry(approver.name, approver.publicKey)),
  };
}
