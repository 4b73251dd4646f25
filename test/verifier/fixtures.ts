// The standard scenario the verifier tests start from, and helpers to run the commands and read their output.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Output } from '../../verifier/output.js';
import { runReport, type ReportOptions } from '../../verifier/report-command.js';
import { runVerify, type VerifyOptions, type VerifyReport } from '../../verifier/verify-command.js';
import {
  generateSigningKey,
  writeDataDir,
  type BuiltSession,
  type SessionSpec,
  type SigningKey,
} from './make-bundles.js';

/**
 * Session s1 (Codex-like, tool_hook): a1 runs with every receipt and a secret-labelled prompt; a2 is blocked by
 * rule no-rm; a3 ran with its hook bypassed (no admissibility/assumption: ρ = 3/5). Session s2 (managed
 * platform): b1 with everything that family can produce. Overall mean ρ = (1 + 1 + 0.6 + 1) / 4 = 0.9.
 */
export function standardSessions(): SessionSpec[] {
  return [
    {
      session_id: 's1',
      runtime_family: 'tool_hook',
      actions: [
        {
          action_id: 'a1',
          promptLabels: ['sensitive'],
          approvals: [
            { source: 'config', decision: 'approved', approver: null, enforceability: 'runtime_enforced' },
          ],
        },
        {
          action_id: 'a2',
          outcome: 'blocked',
          tool_name: 'Bash',
          guardReason: 'destructive command',
          guardRule: 'no-rm',
        },
        { action_id: 'a3', present: ['open', 'approval', 'closure'] },
      ],
    },
    {
      session_id: 's2',
      runtime_family: 'managed_platform',
      actions: [
        {
          action_id: 'b1',
          tool_name: 'web_fetch',
          approvals: [
            {
              source: 'user',
              decision: 'approved',
              approver: 'dev@example.com',
              enforceability: 'approval_orchestrated',
            },
          ],
        },
      ],
    },
  ];
}

export interface DataDir {
  dir: string;
  key: SigningKey;
  sessions: BuiltSession[];
}

export async function makeDataDir(
  sessions: SessionSpec[] = standardSessions(),
  key = generateSigningKey(),
): Promise<DataDir> {
  const dir = await mkdtemp(join(tmpdir(), 'proofline-verifier-'));
  return { dir, key, sessions: await writeDataDir(dir, sessions, key) };
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(): { output: Output; text: () => { stdout: string; stderr: string } } {
  let stdout = '';
  let stderr = '';
  return {
    output: {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    },
    text: () => ({ stdout, stderr }),
  };
}

export async function verify(options: Partial<VerifyOptions> & { paths: string[] }): Promise<Captured> {
  const { output, text } = capture();
  const code = await runVerify({ minCompleteness: 0, format: 'json', ...options }, output);
  return { code, ...text() };
}

export async function verifyJson(
  options: Partial<VerifyOptions> & { paths: string[] },
): Promise<VerifyReport & { code: number }> {
  const { code, stdout } = await verify({ ...options, format: 'json' });
  return { code, ...(JSON.parse(stdout) as VerifyReport) };
}

export async function report(options: Partial<ReportOptions> & { paths: string[] }): Promise<Captured> {
  const { output, text } = capture();
  const code = await runReport({ list: false, format: 'json', ...options }, output);
  return { code, ...text() };
}

export function failures(
  r: VerifyReport,
): { subject: string; check: string; code: string | null; detail: string }[] {
  return r.checks
    .filter((c) => c.status === 'fail')
    .map((c) => ({ subject: c.subject, check: c.check_name, code: c.code, detail: c.detail }));
}
