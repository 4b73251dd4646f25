// The verdict `proofline verify` reaches from the checks and the completeness figures, and the exit code it
// maps to (the CI contract in errors.ts): what every output format renders.
import type { CheckResult } from './checks/check.js';
import type { CompletenessReport } from './completeness.js';
import { EXIT_CODES, type ExitCode } from './errors.js';

export type VerifyResult = 'pass' | 'check_failed' | 'below_threshold';

export interface VerifyReport {
  result: VerifyResult;
  exit_code: ExitCode;
  min_completeness: number;
  checks: CheckResult[];
  completeness: CompletenessReport;
}

export function judge(
  checks: CheckResult[],
  completeness: CompletenessReport,
  minCompleteness: number,
): VerifyReport {
  const result: VerifyResult = checks.some((c) => c.status === 'fail')
    ? 'check_failed'
    : completeness.overall.mean_rho < minCompleteness
      ? 'below_threshold'
      : 'pass';
  const exit_code = {
    pass: EXIT_CODES.ok,
    check_failed: EXIT_CODES.checkFailed,
    below_threshold: EXIT_CODES.belowThreshold,
  }[result];
  return { result, exit_code, min_completeness: minCompleteness, checks, completeness };
}
