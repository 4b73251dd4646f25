// `proofline verify`: the CI gate. Verifies every bundle and session, measures completeness, prints the
// results as text, JSON or JUnit XML, and returns the exit code (see EXIT_CODES in errors.ts).
import { completenessReport } from './completeness.js';
import { Database } from './database.js';
import { readAttestKey, writeAttestation } from './attest.js';
import { VerifierError, type ExitCode } from './errors.js';
import { loadPaths } from './load-paths.js';
import { processOutput, type Output } from './output.js';
import { loadPoliciesInForce } from './policies.js';
import { renderJunit } from './render/junit.js';
import { renderVerifyText } from './render/verify-text.js';
import { judge, type VerifyReport } from './verdict.js';

export type { VerifyReport, VerifyResult } from './verdict.js';
import { checkResults } from './verify.js';

export interface VerifyOptions {
  paths: string[];
  keys?: string;
  minCompleteness: number;
  format: 'text' | 'json' | 'junit';
  db?: string;
  /** `--policy`: policy files in force when the bundles were made; their decisions are replayed. */
  policy?: string[];
  /** `--approvers`: the approvers whose signed grants are trusted. */
  approvers?: string;
  /** `--checkpoint`: published checkpoints (note files or witness directories) the logs must extend. */
  checkpoint?: string[];
  /** `--log`: the embedded log (`<data>/pipeline.duckdb`) each seal is compared with. */
  log?: string;
  /** `--attest`: write the verdict as a signed in-toto statement here, signed with `--attest-key`. */
  attest?: string;
  attestKey?: string;
}

export async function runVerify(options: VerifyOptions, output: Output = processOutput): Promise<ExitCode> {
  // Before the database: a policy that does not load is the operator's mistake, reported before any work.
  const policies = await loadPoliciesInForce(options.policy ?? []);
  if ((options.attest === undefined) !== (options.attestKey === undefined))
    throw new VerifierError('ATTEST_KEY_INVALID', '--attest and --attest-key go together');
  const attestKey = options.attestKey === undefined ? undefined : await readAttestKey(options.attestKey);
  const db = await Database.open(options.db);
  try {
    await loadPaths(
      db,
      {
        paths: options.paths,
        keys: options.keys,
        requireKeys: true,
        policies,
        ...(options.approvers === undefined ? {} : { approvers: options.approvers }),
        checkpoints: options.checkpoint,
        embeddedLog: options.log,
      },
      output,
    );
    const report = judge(await checkResults(db), await completenessReport(db), options.minCompleteness);
    output.stdout.write(render(report, options.format));
    if (options.attest !== undefined && attestKey !== undefined)
      await writeAttestation(db, report, {
        out: options.attest,
        key: attestKey,
        configuration: configurationOf(options),
      });
    return report.exit_code;
  } finally {
    db.close();
  }
}

/** The inputs that decide what "verified" means, as the options named them. */
function configurationOf(options: VerifyOptions): Array<{ option: string; path: string }> {
  return [
    ...(options.keys === undefined ? [] : [{ option: '--keys', path: options.keys }]),
    ...(options.approvers === undefined ? [] : [{ option: '--approvers', path: options.approvers }]),
    ...(options.policy ?? []).map((path) => ({ option: '--policy', path })),
    ...(options.checkpoint ?? []).map((path) => ({ option: '--checkpoint', path })),
  ];
}

function render(report: VerifyReport, format: VerifyOptions['format']): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'junit': {
      const { mean_rho } = report.completeness.overall;
      return renderJunit(report.checks, {
        name: `overall completeness ≥ ${report.min_completeness}`,
        ok: mean_rho >= report.min_completeness,
        detail: `mean ρ ${mean_rho} against a threshold of ${report.min_completeness}`,
      });
    }
    case 'text':
      return renderVerifyText(report);
  }
}
