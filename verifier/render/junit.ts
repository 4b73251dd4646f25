// Verification results as JUnit XML, the format CI systems display: one testsuite per session, one testcase
// per subject and check, plus a testcase for the completeness threshold. Written by hand (no XML library is
// installed); every attribute and text goes through `escapeXml`.
import type { CheckResult } from '../checks/check.js';
import { escapeXml } from './markup.js';

export interface ThresholdCase {
  name: string;
  ok: boolean;
  detail: string;
}

interface Case {
  classname: string;
  name: string;
  status: CheckResult['status'];
  code: string | null;
  detail: string;
}

function testcase(c: Case): string {
  const open = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}"`;
  if (c.status === 'pass') return `${open}/>`;
  const body =
    c.status === 'skip'
      ? `<skipped message="${escapeXml(c.detail)}"/>`
      : `<failure type="${escapeXml(c.code ?? c.name)}" message="${escapeXml(c.detail)}">${escapeXml(c.detail)}</failure>`;
  return `${open}>\n      ${body}\n    </testcase>`;
}

function testsuite(name: string, cases: readonly Case[]): string {
  const failures = cases.filter((c) => c.status === 'fail').length;
  const skipped = cases.filter((c) => c.status === 'skip').length;
  return [
    `  <testsuite name="${escapeXml(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    ...cases.map(testcase),
    '  </testsuite>',
  ].join('\n');
}

export function renderJunit(results: readonly CheckResult[], threshold: ThresholdCase): string {
  const suites = new Map<string, Case[]>();
  for (const r of results) {
    const suite = r.session_id === null ? '(unreadable files)' : `session ${r.session_id}`;
    const cases = suites.get(suite) ?? [];
    cases.push({
      classname: r.subject,
      name: r.check_name,
      status: r.status,
      code: r.code,
      detail: r.detail,
    });
    suites.set(suite, cases);
  }
  suites.set('completeness', [
    {
      classname: 'completeness',
      name: threshold.name,
      status: threshold.ok ? 'pass' : 'fail',
      code: 'below_threshold',
      detail: threshold.detail,
    },
  ]);
  const all = [...suites.values()].flat();
  const failures = all.filter((c) => c.status === 'fail').length;
  const skipped = all.filter((c) => c.status === 'skip').length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="proofline verify" tests="${all.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    ...[...suites].map(([name, cases]) => testsuite(name, cases)),
    '</testsuites>',
    '',
  ].join('\n');
}
