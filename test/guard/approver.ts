// A registered approver for the tests: an Ed25519 key pair made with `proofline keygen --approver` (so the
// encrypted key file, passphrase file and approvers file are the real ones), and the signed grant
// `proofline approve` would post, made in-process where a test needs to shape or replay it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { readApproverKey } from '../../ingest/guard/approve-command.js';
import type { PendingApproval } from '../../ingest/guard/approvals.js';
import {
  APPROVAL_GRANT_TYPE,
  signGrant,
  type ApprovalGrantEnvelope,
  type ApprovalGrantStatement,
} from '../../schemas/approval-grant.js';
import type { KeyObject } from 'node:crypto';
import type { ApproverEntry } from '../../schemas/approvers.js';
import { CLI } from '../hook/support.js';

export const TEST_PASSPHRASE = 'correct horse battery staple';

export interface TestApprover {
  name: string;
  keyid: string;
  entry: ApproverEntry;
  /** The encrypted private key file and the file holding its passphrase. */
  keyFile: string;
  passphraseFile: string;
  privateKey: KeyObject;
  /** An approvers file registering this approver alone. */
  approversFile: string;
}

/** Runs the built `proofline keygen --approver NAME` with a passphrase file, as an operator would script it. */
export async function makeApprover(
  name: string,
  dir = mkdtempSync(join(tmpdir(), 'proofline-approver-')),
): Promise<TestApprover> {
  const passphraseFile = join(dir, `${name}.passphrase`);
  writeFileSync(passphraseFile, `${TEST_PASSPHRASE}\n`, { mode: 0o600 });
  await promisify(execFile)(process.execPath, [
    CLI,
    'keygen',
    '--approver',
    name,
    '--out',
    dir,
    '--passphrase-file',
    passphraseFile,
  ]);
  const entryFile = join(dir, `${name}.approver.json`);
  const { approvers } = JSON.parse(readFileSync(entryFile, 'utf8')) as { approvers: ApproverEntry[] };
  const keyFile = join(dir, `${name}.approver-key.pem`);
  return {
    name,
    keyid: approvers[0]!.keyid,
    entry: approvers[0]!,
    keyFile,
    passphraseFile,
    privateKey: await readApproverKey(keyFile, TEST_PASSPHRASE),
    approversFile: entryFile,
  };
}

/** An approvers file registering all of `approvers`. */
export function approversFile(
  approvers: readonly TestApprover[],
  dir = mkdtempSync(join(tmpdir(), 'proofline-approvers-')),
): string {
  const file = join(dir, 'approvers.json');
  writeFileSync(file, JSON.stringify({ approvers: approvers.map((a) => a.entry) }));
  return file;
}

export async function pendingApproval(url: string, id: string, token?: string): Promise<PendingApproval> {
  const response = await fetch(`${url}/v1/approvals`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const { pending } = (await response.json()) as { pending: PendingApproval[] };
  const found = pending.find((p) => p.id === id);
  if (found === undefined) throw new Error(`approval ${id} is not pending on ${url}`);
  return found;
}

/** The grant `proofline approve` signs for `request`; `changes` reshape the statement (to forge or age it). */
export function grantFor(
  request: PendingApproval,
  approver: Pick<TestApprover, 'name' | 'keyid' | 'privateKey'>,
  changes: Partial<ApprovalGrantStatement> = {},
  now = Date.now(),
): ApprovalGrantEnvelope {
  return signGrant(
    {
      _type: APPROVAL_GRANT_TYPE,
      approval_id: request.id,
      action_digest: request.action_digest,
      session_id: request.session_id,
      decision: 'approved',
      approver: approver.name,
      keyid: approver.keyid,
      challenge: request.challenge,
      issued_at: new Date(now).toISOString(),
      expires_at: new Date(now + 10 * 60_000).toISOString(),
      ...changes,
    },
    approver.privateKey,
  );
}

export async function postGrant(
  url: string,
  grant: unknown,
  token?: string,
): Promise<{
  status: number;
  body: { error?: string; reason?: string; approval?: Record<string, unknown> };
}> {
  const response = await fetch(`${url}/v1/approvals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ grant }),
  });
  return { status: response.status, body: (await response.json()) as never };
}

/** Signs and posts a grant for pending approval `id`, as `proofline approve` does; throws unless recorded. */
export async function approve(
  url: string,
  id: string,
  approver: TestApprover,
  decision: 'approved' | 'denied' = 'approved',
): Promise<void> {
  const answer = await postGrant(url, grantFor(await pendingApproval(url, id), approver, { decision }));
  if (answer.status !== 200)
    throw new Error(`approve ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
}
