// approval_signature: every signed approval grant an action bundle carries (the approval receipt's
// `grants`, schemas/approval-grant.ts) verifies against an approver the auditor trusts (`--approvers`), under
// the name that key is registered to, for this bundle's session (and, when the request is stored, for this
// very action); and a call let through by an approval (`approval:<id>` deciding its admission) carries a
// verified approving grant for that id. A bundle with neither passes. Runs in TypeScript: it needs crypto.
import { actionDigest, GrantError, parseGrant, verifyGrantSignature } from '../../schemas/approval-grant.js';
import type { ApproverSet } from '../../schemas/approvers.js';
import { APPROVAL_RULE_PREFIX } from '../../schemas/decision.js';
import type { GuardRequest } from '../../schemas/guard.js';
import type { Database } from '../database.js';
import type { CheckResult } from './check.js';

interface Row {
  file: string;
  session_id: string;
  action_id: string;
  approval: string | null;
  admission: string | null;
}

/** `approvers`: the approvers trusted; undefined when none were given or found. */
export async function approvalSignature(
  db: Database,
  approvers: ApproverSet | undefined,
): Promise<CheckResult[]> {
  const rows = await db.rows<Row>(`
    SELECT b.file, b.session_id, b.action_id,
           CAST(ap.facts AS VARCHAR) AS approval, CAST(ad.facts AS VARCHAR) AS admission
    FROM bundles b
    LEFT JOIN receipts ap ON ap.file = b.file AND ap.checkpoint = 'approval' AND ap.status = 'present'
    LEFT JOIN receipts ad ON ad.file = b.file AND ad.checkpoint = 'admissibility' AND ad.status = 'present'
    ORDER BY b.file`);
  return rows.map((row) => {
    const problems = judge(row, approvers);
    return {
      subject: row.file,
      file: row.file,
      session_id: row.session_id,
      action_id: row.action_id,
      check_name: 'approval_signature',
      status: problems.failed ? 'fail' : 'pass',
      code: problems.failed ? 'approval_signature' : null,
      detail: problems.detail,
    };
  });
}

function judge(row: Row, approvers: ApproverSet | undefined): { failed: boolean; detail: string } {
  const approval = parse(row.approval);
  const admission = parse(row.admission);
  const grants: unknown[] = Array.isArray(approval.grants) ? approval.grants : [];
  const rule = typeof admission.deciding_rule === 'string' ? admission.deciding_rule : undefined;
  const liftedBy = rule?.startsWith(APPROVAL_RULE_PREFIX)
    ? rule.slice(APPROVAL_RULE_PREFIX.length)
    : undefined;
  if (grants.length === 0 && liftedBy === undefined)
    return { failed: false, detail: 'no signed approval in this bundle' };
  if (approvers === undefined || approvers.size === 0)
    return {
      failed: true,
      detail: 'the bundle rests on signed approvals, but no approvers are trusted (--approvers FILE)',
    };

  const problems: string[] = [];
  const verified: string[] = [];
  let liftedByVerified = false;
  const request = admission.request as GuardRequest | undefined;
  grants.forEach((value, index) => {
    const at = `grant ${index + 1}`;
    let grant;
    try {
      grant = parseGrant(value);
    } catch (error) {
      if (!(error instanceof GrantError)) throw error;
      problems.push(`${at}: ${error.message}`);
      return;
    }
    const { statement } = grant;
    const approver = approvers.get(statement.keyid);
    if (approver === undefined)
      return problems.push(`${at}: signed by key ${statement.keyid}, not a trusted approver`);
    if (approver.name !== statement.approver)
      return problems.push(
        `${at}: claims approver "${statement.approver}" but the key is "${approver.name}"'s`,
      );
    if (!verifyGrantSignature(grant, approver.publicKey))
      return problems.push(`${at}: ${approver.name}'s signature does not verify`);
    if (statement.session_id !== row.session_id)
      return problems.push(`${at}: is for session ${statement.session_id}, not this bundle's`);
    if (typeof request === 'object' && request !== null && actionDigest(request) !== statement.action_digest)
      return problems.push(`${at}: is for another action than the request this bundle records`);
    if (statement.approval_id === liftedBy && statement.decision === 'approved') liftedByVerified = true;
    verified.push(`${statement.decision} ${statement.approval_id} by ${approver.name}`);
  });
  if (liftedBy !== undefined && !liftedByVerified)
    problems.push(`the call was let through by approval ${liftedBy}, but no verified grant approves it`);
  return problems.length > 0
    ? { failed: true, detail: problems.join('; ') }
    : { failed: false, detail: `signed grants verified: ${verified.join(', ')}` };
}

function parse(facts: string | null): Record<string, unknown> {
  if (facts === null) return {};
  const value = JSON.parse(facts) as unknown;
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
