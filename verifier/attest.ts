// `proofline verify --attest FILE --attest-key KEY`: the verdict as a signed in-toto Statement a CI system keeps
// beside the bundles. Its predicate is in-toto's test-result v0.1: the subjects are the bundles and seals
// verified (by the sha256 of their payloads, as the bundles' own digests), the configuration is what they were
// verified against (each file given by digest), and every check is a test that passed or failed, completeness
// against its threshold included. Signed with the verifier's own key, never the server's: the attestation
// says who verified, and it must verify with any DSSE tool (README, "Signed statements others can check").
import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { STATEMENT_TYPE, type Statement } from '../schemas/bundle.js';
import { canonicalize } from '../schemas/digest.js';
import { envelopeOf } from '../schemas/dsse.js';
import { ConfigError } from '../schemas/errors.js';
import { keyIdOf } from '../schemas/keys.js';
import { checkSecretFile } from '../schemas/secret-file.js';
import type { Database } from './database.js';
import { VerifierError } from './errors.js';
import { writeOutputFile } from './output-file.js';
import type { VerifyReport } from './verdict.js';

export const TEST_RESULT_PREDICATE_TYPE = 'https://in-toto.io/attestation/test-result/v0.1';

interface ResourceDescriptor {
  name: string;
  digest: { sha256: string };
}

/** in-toto test-result v0.1. */
export interface TestResult {
  result: 'PASSED' | 'FAILED';
  configuration: ResourceDescriptor[];
  passedTests: string[];
  failedTests: string[];
  warnedTests: string[];
}

export interface AttestOptions {
  /** Where the envelope goes (a regular file; never through a link). */
  out: string;
  /** The verifier's Ed25519 key (readAttestKey). */
  key: KeyObject;
  /** What the bundles were verified against, as given on the command line: `--keys FILE` and the like. */
  configuration: ReadonlyArray<{ option: string; path: string }>;
}

export async function writeAttestation(
  db: Database,
  report: VerifyReport,
  options: AttestOptions,
): Promise<void> {
  const { key } = options;
  const statement: Statement<TestResult> = {
    _type: STATEMENT_TYPE,
    subject: await verifiedSubjects(db),
    predicateType: TEST_RESULT_PREDICATE_TYPE,
    predicate: {
      result: report.result === 'pass' ? 'PASSED' : 'FAILED',
      configuration: (await Promise.all(options.configuration.map(describeInput))).flat(),
      ...testsOf(report),
    },
  };
  const payload = Buffer.from(canonicalize(statement), 'utf8');
  const envelope = envelopeOf(payload, {
    keyid: keyIdOf(createPublicKey(key)),
    sign: (message) => sign(null, message, key).toString('base64'),
  });
  await writeOutputFile(options.out, `${canonicalize(envelope)}\n`);
}

/** The verifier's Ed25519 private key (PKCS#8 PEM, readable by its owner only), checked before anything is
 * verified so a bad key fails the run at once. */
export async function readAttestKey(file: string): Promise<KeyObject> {
  try {
    checkSecretFile(file, 'attestation key');
  } catch (error) {
    throw new VerifierError('ATTEST_KEY_INVALID', (error as ConfigError).message, { cause: error });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(file));
  } catch (error) {
    throw new VerifierError('ATTEST_KEY_INVALID', `attestation key ${file}: not a private key (PEM)`, {
      cause: error,
    });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new VerifierError('ATTEST_KEY_INVALID', `attestation key ${file}: not an Ed25519 key`);
  return key;
}

/** Every bundle and seal loaded, by where it was read and the sha256 of its payload. */
async function verifiedSubjects(db: Database): Promise<Statement<TestResult>['subject']> {
  const rows = await db.rows<{ file: string; digest: string }>(
    `SELECT file, digest FROM bundles UNION ALL SELECT file, digest FROM seals ORDER BY file`,
  );
  return rows.map((row) => ({ name: row.file, digest: { sha256: row.digest } }));
}

/** Each check name once: failed when it failed anywhere, passed when it passed and never failed. */
function testsOf(report: VerifyReport): Pick<TestResult, 'passedTests' | 'failedTests' | 'warnedTests'> {
  const failed = new Set(report.checks.filter((c) => c.status === 'fail').map((c) => c.check_name as string));
  const passed = new Set(
    report.checks
      .filter((c) => c.status === 'pass' && !failed.has(c.check_name))
      .map((c) => c.check_name as string),
  );
  const { mean_rho } = report.completeness.overall;
  const completeness = `completeness: mean rho ${mean_rho} >= ${report.min_completeness}`;
  (mean_rho >= report.min_completeness ? passed : failed).add(completeness);
  return { passedTests: [...passed].sort(), failedTests: [...failed].sort(), warnedTests: [] };
}

/** A file given as input by its digest; a directory (a witness's) as each file in it. */
async function describeInput({
  option,
  path,
}: {
  option: string;
  path: string;
}): Promise<ResourceDescriptor[]> {
  const files = (await stat(path)).isDirectory()
    ? (await readdir(path, { withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => join(path, e.name))
        .sort()
    : [path];
  return Promise.all(
    files.map(async (file) => ({
      name: `${option} ${file}`,
      digest: {
        sha256: createHash('sha256')
          .update(await readFile(file))
          .digest('hex'),
      },
    })),
  );
}
