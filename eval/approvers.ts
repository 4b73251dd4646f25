// The corpus's approvers as the eval plays them: each name gets an Ed25519 key for the run, registered with the
// pipeline through an approvers file, and answers approval gates with a grant signed the way
// `proofline approve` signs it (schemas/approval-grant.ts). The keys live in memory: the eval is the human.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  APPROVAL_GRANT_TYPE,
  DEFAULT_GRANT_LIFETIME_MS,
  signGrant,
  type ApprovalGrantEnvelope,
  type GrantDecision,
} from '../schemas/approval-grant.js';
import { approverEntry } from '../schemas/approvers.js';
import { keyIdOf } from '../schemas/keys.js';

/** The fields of a pending request (GET /v1/approvals) a grant names. */
export interface PendingRequest {
  id: string;
  action_digest: string;
  session_id: string;
  challenge: string;
}

export class EvalApprovers {
  private readonly keys = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();

  constructor(names: Iterable<string>) {
    for (const name of new Set(names)) this.keys.set(name, generateKeyPairSync('ed25519'));
  }

  /** Writes the approvers file registering every name; returns its path. */
  async writeFile(dir: string): Promise<string> {
    const file = join(dir, 'eval-approvers.json');
    const approvers = [...this.keys].map(([name, { publicKey }]) => approverEntry(name, publicKey));
    await writeFile(file, JSON.stringify({ approvers }, null, 2));
    return file;
  }

  grant(request: PendingRequest, name: string, decision: GrantDecision): ApprovalGrantEnvelope {
    const key = this.keys.get(name);
    if (key === undefined) throw new Error(`approver ${name} is not among the corpus's approvers`);
    const now = Date.now();
    return signGrant(
      {
        _type: APPROVAL_GRANT_TYPE,
        approval_id: request.id,
        action_digest: request.action_digest,
        session_id: request.session_id,
        decision,
        approver: name,
        keyid: keyIdOf(key.publicKey),
        challenge: request.challenge,
        issued_at: new Date(now).toISOString(),
        expires_at: new Date(now + DEFAULT_GRANT_LIFETIME_MS).toISOString(),
      },
      key.privateKey,
    );
  }
}
