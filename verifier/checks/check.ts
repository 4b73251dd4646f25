// The vocabulary of verification results. A check either passes, fails with a code, or is skipped because
// what it inspects could not be read. Failures are data (rows in the `checks` table), never crashes.
import { ProoflineError } from '../../schemas/errors.js';

/** Checks on one file, run in TypeScript because they need crypto or canonical JSON, in this order. */
export const FILE_CHECKS = [
  'envelope_format',
  'signature',
  'statement_format',
  'subject_digest',
  'section_digests',
] as const;

/** Checks on one action bundle's contents, recomputed: in SQL over the loaded tables, and the slice's graph
 * walks (slice-checks.ts) as each bundle is loaded. */
export const ACTION_CHECKS = [
  'receipt_chain',
  'completeness',
  'route_consistency',
  'backward_slice',
  'flow_labels',
] as const;

/** Checks across the bundles of one session. */
export const SESSION_CHECKS = ['session_chain', 'session_seal'] as const;

/** Checks of the signed approval grants an action bundle carries, against the approvers the auditor trusts. */
export const APPROVAL_CHECKS = ['approval_signature'] as const;

/** Checks that replay a decision under a policy the operator names (`--policy`); not run without one. */
export const REPLAY_CHECKS = ['route_rederived'] as const;

/**
 * Checks of the data directory as a whole (log-checks.ts): `location` (evidence is where its content says, and
 * nothing but evidence is where evidence belongs), the transparency log against its checkpoints and the
 * published ones (`log_consistency`), every seal in the log and every leaf's seal present (`log_inclusion`),
 * and, with `--log`, each seal against the embedded log's records (`log_records`).
 */
export const DATA_DIR_CHECKS = ['location', 'log_consistency', 'log_inclusion', 'log_records'] as const;

export const ALL_CHECKS = [
  ...FILE_CHECKS,
  ...ACTION_CHECKS,
  ...APPROVAL_CHECKS,
  ...SESSION_CHECKS,
  ...REPLAY_CHECKS,
  ...DATA_DIR_CHECKS,
] as const;
export type CheckName = (typeof ALL_CHECKS)[number];

/** A failure's code: the check's name, or a more precise reason where one check can fail in distinct ways. */
export type CheckCode = CheckName | 'unknown_key';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  /** What was checked: a bundle file, or `session:<id>` for session checks. */
  subject: string;
  file: string | null;
  session_id: string | null;
  action_id: string | null;
  check_name: CheckName;
  status: CheckStatus;
  code: CheckCode | null;
  detail: string;
}

/** Thrown by a file check to fail it; the runner records it and carries on with the next check. */
export class CheckFailure extends ProoflineError<'CHECK_FAILED'> {
  constructor(
    readonly checkCode: CheckCode,
    message: string,
  ) {
    super('CHECK_FAILED', message);
  }
}

/** What a session's subject starts with; SQL checks build it too. */
export const SESSION_SUBJECT_PREFIX = 'session:';

export function sessionSubject(sessionId: string): string {
  return `${SESSION_SUBJECT_PREFIX}${sessionId}`;
}

/** What a check found wrong with one subject (a bundle file, or a session); none: it passes. */
export interface SubjectProblems {
  subject: string;
  file: string | null;
  session_id: string | null;
  action_id: string | null;
  problems: string[];
}

/** Long lists are cut so one broken bundle does not bury the report; the count says what was left out. */
export const SHOWN_PROBLEMS = 5;

export function toCheckResult(name: CheckName, { problems, ...subject }: SubjectProblems): CheckResult {
  const shown = problems.slice(0, SHOWN_PROBLEMS).join('; ');
  const more = problems.length > SHOWN_PROBLEMS ? `; … and ${problems.length - SHOWN_PROBLEMS} more` : '';
  return problems.length === 0
    ? { ...subject, check_name: name, status: 'pass', code: null, detail: '' }
    : { ...subject, check_name: name, status: 'fail', code: name, detail: shown + more };
}
