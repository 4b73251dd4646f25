// The integrity checks the eval can switch off (an ablation): `proofline verify` over the data directory, and
// which bundle files and sessions it rejects.
import { resolve } from 'node:path';

import { runVerify, type VerifyReport } from '../verifier/verify-command.js';
import { captureOutput } from './output.js';

export interface IntegrityVerdict {
  /** Bundle files (absolute paths) with a failed file or action check (signature, digests, receipt chain, completeness...). */
  rejectedFiles: Set<string>;
  /** Sessions whose chain or seal failed. */
  rejectedSessions: Set<string>;
}

export async function verifyDataDir(dataDir: string): Promise<IntegrityVerdict> {
  const output = captureOutput();
  await runVerify({ paths: [dataDir], format: 'json', minCompleteness: 0 }, output.out);
  const report = JSON.parse(output.stdout()) as VerifyReport;
  const failed = report.checks.filter((c) => c.status === 'fail');
  const ofSession = (subject: string) => subject.startsWith('session:');
  return {
    rejectedFiles: new Set(
      failed.flatMap((c) => (c.file !== null && !ofSession(c.subject) ? [resolve(c.file)] : [])),
    ),
    rejectedSessions: new Set(
      failed.flatMap((c) => (ofSession(c.subject) && c.session_id !== null ? [c.session_id] : [])),
    ),
  };
}
