// The checks on one bundle file, in the order a reader would do them by hand: is it an envelope, who signed
// it, what does it say, and do its own digests agree with its content. A check whose input could not be read
// is recorded as skipped, so every file yields the same list of results.
import { sha256Hex } from '../../schemas/digest.js';
import { CheckFailure, FILE_CHECKS, type CheckName, type CheckResult } from './check.js';
import { verifySectionDigests, verifySubjectDigest } from './digests.js';
import { parseEnvelope } from './envelope.js';
import { verifySignature, type TrustedKeys } from './signature.js';
import { parseStatement, type ParsedStatement } from './statement.js';

export interface VerifiedFile {
  results: CheckResult[];
  /** Present when the payload parsed as a statement: what gets loaded into the tables. */
  loaded?: {
    statement: ParsedStatement;
    /** sha256 of the payload bytes: the bundle digest that chains and seals refer to. */
    digest: string;
    /** The trusted key that vouches for it, or the first claimed keyid when none does. */
    keyid: string;
    signatureOk: boolean;
  };
}

/** The file checks of one record. Its signature is verified while the checks after it run (signature.ts). */
export async function verifyBundleFile(file: string, text: string, keys: TrustedKeys): Promise<VerifiedFile> {
  const run = new CheckRun(file);
  const envelope = run.check('envelope_format', () => parseEnvelope(text));
  if (!envelope) return run.finish();
  const signing = run.checkLater('signature', verifySignature(envelope, keys));
  const statement = run.check('statement_format', () => parseStatement(envelope.payload));
  if (statement) {
    run.identify(statement);
    run.check('subject_digest', () => verifySubjectDigest(statement));
    if (statement.kind === 'action')
      run.check('section_digests', () =>
        verifySectionDigests(statement.statement.predicate, envelope.payload),
      );
  }
  const signer = await signing;
  if (!statement) return run.finish();
  return run.finish({
    statement,
    digest: sha256Hex(envelope.payload),
    keyid: signer ?? envelope.envelope.signatures[0]!.keyid,
    signatureOk: signer !== undefined,
  });
}

class CheckRun {
  private readonly results: CheckResult[] = [];
  private sessionId: string | null = null;
  private actionId: string | null = null;

  constructor(private readonly file: string) {}

  /** Runs one check; a CheckFailure becomes a failed result and `undefined`, anything else is a bug and propagates. */
  check<T>(name: CheckName, body: () => T): T | undefined {
    const slot = this.reserve(name);
    try {
      const value = body();
      this.fill(slot, 'pass', null, '');
      return value;
    } catch (error) {
      return this.failed(slot, error);
    }
  }

  /** A check whose outcome arrives later; its result keeps its place among the others. */
  async checkLater<T>(name: CheckName, outcome: Promise<T>): Promise<T | undefined> {
    const slot = this.reserve(name);
    try {
      const value = await outcome;
      this.fill(slot, 'pass', null, '');
      return value;
    } catch (error) {
      return this.failed(slot, error);
    }
  }

  private failed(slot: number, error: unknown): undefined {
    if (!(error instanceof CheckFailure)) throw error;
    this.fill(slot, 'fail', error.checkCode, error.message);
    return undefined;
  }

  identify(parsed: ParsedStatement): void {
    const { session_id, action_id } =
      parsed.kind === 'action'
        ? parsed.statement.predicate.summary
        : { ...parsed.statement.predicate, action_id: null };
    this.sessionId = session_id;
    this.actionId = action_id;
  }

  finish(loaded?: VerifiedFile['loaded']): VerifiedFile {
    const ran = new Set(this.results.map((r) => r.check_name));
    // section_digests only applies to action bundles; for a seal it is not skipped, it does not exist.
    const applicable =
      loaded?.statement.kind === 'seal' ? FILE_CHECKS.filter((c) => c !== 'section_digests') : FILE_CHECKS;
    for (const name of applicable) {
      if (!ran.has(name)) this.record(name, 'skip', null, 'not run: the file could not be read that far');
    }
    const results = this.results.map((r) => ({ ...r, session_id: this.sessionId, action_id: this.actionId }));
    return loaded ? { results, loaded } : { results };
  }

  private reserve(check_name: CheckName): number {
    return this.results.push(this.result(check_name, 'skip', null, '')) - 1;
  }

  private fill(slot: number, status: CheckResult['status'], code: CheckResult['code'], detail: string): void {
    this.results[slot] = this.result(this.results[slot]!.check_name, status, code, detail);
  }

  private record(
    check_name: CheckName,
    status: CheckResult['status'],
    code: CheckResult['code'],
    detail: string,
  ): void {
    this.results.push(this.result(check_name, status, code, detail));
  }

  private result(
    check_name: CheckName,
    status: CheckResult['status'],
    code: CheckResult['code'],
    detail: string,
  ): CheckResult {
    return {
      subject: this.file,
      file: this.file,
      session_id: null,
      action_id: null,
      check_name,
      status,
      code,
      detail,
    };
  }
}
