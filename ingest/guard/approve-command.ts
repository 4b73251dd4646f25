// `proofline approvals` lists the calls waiting for a human's approval, with the command each would run;
// `proofline approve ID --key FILE` shows one, signs a grant for it with the approver's key (schemas/
// approval-grant.ts) and posts it, so the agent's retry of exactly that call runs once. The hook token alone
// never approves: the server checks the signature against its registered approvers.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import {
  APPROVAL_GRANT_TYPE,
  DEFAULT_GRANT_LIFETIME_MS,
  MAX_GRANT_LIFETIME_MS,
  signGrant,
  type ApprovalGrantStatement,
} from '../../schemas/approval-grant.js';
import { ProoflineError } from '../../schemas/errors.js';
import { keyIdOf } from '../../schemas/keys.js';
import type { PendingApproval } from './approvals.js';

export type ApproveCommandErrorCode =
  | 'APPROVAL_SERVER_UNREACHABLE'
  | 'APPROVAL_REFUSED'
  | 'APPROVAL_NOT_PENDING'
  | 'APPROVER_KEY_UNUSABLE'
  | 'APPROVER_NOT_REGISTERED';

/** The approval was not recorded; `exitCode` is what the CLI exits with. */
export class ApproveCommandError extends ProoflineError<ApproveCommandErrorCode> {}

export interface ServerOptions {
  url: string;
  token?: string;
  timeoutMs: number;
}

export interface Writer {
  write(text: string): unknown;
}

export interface ApproveCommandOptions extends ServerOptions {
  id: string;
  /** The approver's private key: encrypted PKCS#8 PEM (`proofline keygen --approver`). */
  keyFile: string;
  /** Asked only after the request has been shown. */
  passphrase: () => Promise<string>;
  deny: boolean;
  /** How long the grant is valid (default 10 minutes, at most an hour). */
  validForMs?: number;
  stdout: Writer;
  /** Where the request is shown before signing. */
  stderr: Writer;
  now?: () => number;
}

interface Listing {
  pending: PendingApproval[];
  approvers: Array<{ name: string; keyid: string }>;
}

export async function runApprovals(options: ServerOptions & { stdout: Writer }): Promise<void> {
  const { pending } = await listApprovals(options);
  if (pending.length === 0) {
    options.stdout.write('no approvals pending\n');
    return;
  }
  for (const request of pending) options.stdout.write(`${describeRequest(request)}\n`);
}

export async function runApprove(options: ApproveCommandOptions): Promise<void> {
  const validFor = options.validForMs ?? DEFAULT_GRANT_LIFETIME_MS;
  if (!(validFor > 0 && validFor <= MAX_GRANT_LIFETIME_MS))
    throw new ApproveCommandError(
      'APPROVAL_REFUSED',
      `a grant is valid for 1 ms to ${MAX_GRANT_LIFETIME_MS / 60_000} minutes`,
      { exitCode: 2 },
    );
  const listing = await listApprovals(options);
  const request = listing.pending.find((p) => p.id === options.id);
  if (request === undefined)
    throw new ApproveCommandError(
      'APPROVAL_NOT_PENDING',
      `no pending approval ${options.id} on ${options.url} (unknown, already answered, or expired; see proofline approvals)`,
    );
  options.stderr.write(
    `${options.deny ? 'Refusing' : 'Approving'} (this exact call, once):\n${describeRequest(request)}\n`,
  );

  const key = await readApproverKey(options.keyFile, await options.passphrase());
  const keyid = keyIdOf(createPublicKey(key));
  const approver = listing.approvers.find((a) => a.keyid === keyid);
  if (approver === undefined)
    throw new ApproveCommandError(
      'APPROVER_NOT_REGISTERED',
      `key ${keyid} is not a registered approver on ${options.url} (add its entry to the server's --approvers file)`,
    );
  const now = (options.now ?? Date.now)();
  const statement: ApprovalGrantStatement = {
    _type: APPROVAL_GRANT_TYPE,
    approval_id: request.id,
    action_digest: request.action_digest,
    session_id: request.session_id,
    decision: options.deny ? 'denied' : 'approved',
    approver: approver.name,
    keyid,
    challenge: request.challenge,
    issued_at: new Date(now).toISOString(),
    expires_at: new Date(now + validFor).toISOString(),
  };
  const answer = await call(options, 'POST', { grant: signGrant(statement, key) });
  const approval = (answer.body as { approval?: unknown }).approval;
  if (answer.status !== 200 || approval === undefined)
    throw new ApproveCommandError(
      'APPROVAL_REFUSED',
      `approval ${options.id} not recorded: ${reasonOf(answer)}`,
    );
  options.stdout.write(
    options.deny
      ? `denied ${request.id} by ${approver.name}: ${what(request)} stays gated\n`
      : `approved ${request.id} by ${approver.name}: ${what(request)} in session ${request.session_id} may run once, when retried unchanged\n`,
  );
}

/** The approver's private key, decrypted with the passphrase. */
export async function readApproverKey(file: string, passphrase: string): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    throw new ApproveCommandError(
      'APPROVER_KEY_UNUSABLE',
      `cannot read approver key ${file}: ${(error as Error).message}`,
      { exitCode: 2 },
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch {
    throw new ApproveCommandError(
      'APPROVER_KEY_UNUSABLE',
      `cannot decrypt approver key ${file}: wrong passphrase, or not an approver key`,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ApproveCommandError('APPROVER_KEY_UNUSABLE', `approver key ${file} is not an Ed25519 key`);
  return key;
}

async function listApprovals(options: ServerOptions): Promise<Listing> {
  const answer = await call(options, 'GET');
  const body = answer.body as Partial<Listing>;
  if (answer.status !== 200 || !Array.isArray(body.pending))
    throw new ApproveCommandError(
      'APPROVAL_REFUSED',
      `cannot list approvals on ${options.url}: ${reasonOf(answer)}`,
    );
  return { pending: body.pending, approvers: Array.isArray(body.approvers) ? body.approvers : [] };
}

async function call(
  options: ServerOptions,
  method: 'GET' | 'POST',
  body?: object,
): Promise<{ status: number; body: unknown }> {
  const endpoint = new URL('v1/approvals', options.url.endsWith('/') ? options.url : `${options.url}/`);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method,
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApproveCommandError(
      'APPROVAL_SERVER_UNREACHABLE',
      // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, a timeout).
      `proofline server ${options.url} unreachable (${causeOf(error)})`,
    );
  }
  return { status: response.status, body: await response.json().catch(() => ({})) };
}

function reasonOf(answer: { status: number; body: unknown }): string {
  const { reason, message } = answer.body as { reason?: unknown; message?: unknown };
  return typeof reason === 'string'
    ? reason
    : typeof message === 'string'
      ? message
      : `HTTP ${answer.status}`;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function what(request: PendingApproval): string {
  return request.command === undefined ? request.tool_name : `${request.tool_name} \`${request.command}\``;
}

function describeRequest(request: PendingApproval): string {
  return [
    `${request.id}  ${what(request)}`,
    `  session  ${request.session_id}`,
    ...(request.rule === undefined ? [] : [`  rule     ${request.rule}`]),
    `  why      ${request.reason}`,
    `  expires  ${new Date(request.expires_at_ms).toISOString()}`,
  ].join('\n');
}
