// `proofline verify --format text`: a tally per check, the failures in full, completeness, and the verdict.
import { ALL_CHECKS } from '../checks/check.js';
import type { VerifyReport } from '../verdict.js';
import { renderTable } from './table.js';

export function renderVerifyText(report: VerifyReport): string {
  const tally = ALL_CHECKS.map((check) => {
    const of = report.checks.filter((c) => c.check_name === check);
    const count = (status: string): number => of.filter((c) => c.status === status).length;
    return { check, pass: count('pass'), fail: count('fail'), skipped: count('skip') };
  });
  const failures = report.checks.filter((c) => c.status === 'fail');
  const { overall } = report.completeness;
  const verdict = {
    pass: 'PASS',
    check_failed: `FAIL: ${failures.length} check(s) failed`,
    below_threshold: `FAIL: overall completeness ${overall.mean_rho} is below ${report.min_completeness}`,
  }[report.result];
  return [
    'Checks',
    renderTable(['check', 'pass', 'fail', 'skipped'], tally),
    ...(failures.length > 0
      ? ['Failures', renderTable(['subject', 'check_name', 'code', 'detail'], failures)]
      : []),
    'Completeness by runtime family',
    renderTable(
      ['runtime_family', 'actions', 'mean_rho', 'complete_actions', 'complete_share', 'unverifiable'],
      report.completeness.by_family,
    ),
    'Completeness by session',
    renderTable(
      ['session_id', 'runtime_family', 'actions', 'mean_rho', 'complete_share', 'unverifiable'],
      report.completeness.by_session,
    ),
    `Overall: mean ρ ${overall.mean_rho}, ${overall.complete_actions}/${overall.actions} actions complete (${overall.complete_share}), ${overall.unverifiable} unverifiable (ρ 0); threshold ${report.min_completeness}`,
    `${verdict} (exit ${report.exit_code})`,
    '',
  ].join('\n');
}
