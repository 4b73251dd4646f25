// The checks the assembler ran on a certificate before signing it, recorded in the bundle so a reader sees
// what was established and what was not (ARCHITECTURE.md §5, verification section). A failed check does not stop the
// bundle: an incomplete or suspicious record is exactly what an auditor needs to see.
import {
  receiptDigest,
  type Receipt,
  type SessionSeal,
  type Verification,
  type VerificationCheck,
} from '../schemas/bundle.js';
import type { Route } from '../schemas/guard.js';
import type { ActionCertificate } from './checkpoints.js';

/** `forcedBy` is set when the session closed the action before its closure evidence arrived; `sessionChecks`
 * are what the session adds about this action (its obligations, obligations.ts). */
export function verifyCertificate(
  cert: ActionCertificate,
  forcedBy: SessionSeal['reason'] | null,
  sessionChecks: readonly VerificationCheck[] = [],
): Verification {
  const checks: VerificationCheck[] = [receiptChainCheck(cert.receipts), routeCheck(cert), ...sessionChecks];
  checks.push({
    name: 'guard_receipt_present',
    ok: !cert.toolRan || hasReceipt(cert, 'admissibility'),
    detail: hasReceipt(cert, 'admissibility')
      ? 'guard decision recorded'
      : cert.toolRan
        ? 'the tool ran with no guard decision recorded (hook not run, e.g. untrusted and skipped)'
        : 'no guard decision recorded, and no record that the tool ran',
  });
  // A post-hoc decision (a managed platform without a guard) was made after the call ran: nothing to honour.
  if (cert.route === 'block' && cert.enforceability !== 'post_hoc_observed') {
    checks.push({
      name: 'block_honoured',
      ok: !cert.executed,
      detail: cert.executed
        ? 'blocked, yet a record shows the tool executed'
        : 'blocked, and no record shows execution',
    });
  }
  if (forcedBy !== null && !hasReceipt(cert, 'closure')) {
    checks.push({
      name: 'closed_before_outcome',
      ok: false,
      detail: `closed at ${forcedBy} with no closure evidence; missing receipts: ${namesOf(cert.completeness.missing)}`,
    });
  }
  const complete = cert.completeness.missing.length === 0;
  checks.push({
    name: 'completeness',
    ok: complete,
    detail: `rho=${cert.completeness.rho}; expected ${namesOf(cert.completeness.expected)}; missing ${namesOf(cert.completeness.missing)}`,
  });
  return { checks, completeness_verdict: complete ? 'complete' : 'incomplete' };
}

function receiptChainCheck(receipts: readonly Receipt[]): VerificationCheck {
  let previous: string | null = null;
  for (const receipt of receipts) {
    if (receipt.previous !== previous || receipt.digest !== receiptDigest(receipt)) {
      return { name: 'receipt_chain_intact', ok: false, detail: `broken at ${receipt.checkpoint}` };
    }
    previous = receipt.digest;
  }
  return { name: 'receipt_chain_intact', ok: true, detail: `${receipts.length} receipts linked` };
}

/**
 * Re-derive the route from the decision the admissibility receipt recorded and check that what the runtime
 * was told agrees with it (a block must have been a deny, an allow or warn an allow). Replaying the pinned
 * policy against the original request is the verifier's job: the assembler has no access to the policy.
 */
function routeCheck(cert: ActionCertificate): VerificationCheck {
  const admissibility = cert.receipts.find((r) => r.checkpoint === 'admissibility');
  const recorded =
    admissibility?.status === 'present' ? ((admissibility.facts['route'] as Route | null) ?? null) : null;
  const verdict = admissibility?.facts['verdict'];
  if (recorded !== cert.route) {
    return {
      name: 'route_rederived',
      ok: false,
      detail: `summary route ${cert.route ?? 'none'} differs from the recorded decision ${recorded ?? 'none'}`,
    };
  }
  const told = recorded === null ? undefined : VERDICT_OF_ROUTE[recorded];
  if (told !== undefined && verdict !== told) {
    return {
      name: 'route_rederived',
      ok: false,
      detail: `route ${recorded} recorded with verdict ${String(verdict)}`,
    };
  }
  return {
    name: 'route_rederived',
    ok: true,
    detail:
      recorded === null
        ? 'no guard decision recorded; route is none'
        : `route ${recorded} matches the recorded decision`,
  };
}

/** The verdict each route must have been delivered as; routes absent here may be delivered either way. */
const VERDICT_OF_ROUTE: Partial<Record<Route, 'allow' | 'deny'>> = {
  allow: 'allow',
  warn: 'allow',
  block: 'deny',
};

function hasReceipt(cert: ActionCertificate, checkpoint: Receipt['checkpoint']): boolean {
  return cert.receipts.some((r) => r.checkpoint === checkpoint && r.status === 'present');
}

function namesOf(checkpoints: readonly string[]): string {
  return checkpoints.length === 0 ? 'none' : checkpoints.join(', ');
}
