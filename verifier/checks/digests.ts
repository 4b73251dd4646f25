// subject_digest and section_digests: the digests the statement declares match the content it carries.
import {
  actionIdentity,
  actionSubjectName,
  sessionSubjectName,
  type ActionProof,
} from '../../schemas/bundle.js';
import { canonicalDigest } from '../../schemas/digest.js';
import { CheckFailure } from './check.js';
import type { ParsedStatement } from './statement.js';

/**
 * What each statement's subject names and covers (schemas/bundle.ts): an action by its identity fields; a
 * session by the Merkle root over its bundles, which is the seal's claim.
 */
function expectedSubject(parsed: ParsedStatement): { name: string; digest: string } {
  if (parsed.kind === 'action') {
    const { summary } = parsed.statement.predicate;
    return {
      name: actionSubjectName(summary.session_id, summary.action_id),
      digest: canonicalDigest(actionIdentity(summary)),
    };
  }
  const seal = parsed.statement.predicate;
  return { name: sessionSubjectName(seal.session_id), digest: seal.merkle_root };
}

export function verifySubjectDigest(parsed: ParsedStatement): void {
  const claimed = parsed.statement.subject[0]!;
  const expected = expectedSubject(parsed);
  if (claimed.name !== expected.name)
    throw new CheckFailure('subject_digest', `subject name ${claimed.name} ≠ ${expected.name}`);
  if (claimed.digest.sha256 !== expected.digest)
    throw new CheckFailure('subject_digest', `subject digest ${claimed.digest.sha256} ≠ ${expected.digest}`);
}

const SECTIONS = ['summary', 'evidence', 'verification'] as const;

export function verifySectionDigests(proof: ActionProof): void {
  const wrong = SECTIONS.filter(
    (section) => proof.manifest.sections[section] !== canonicalDigest(proof[section]),
  );
  if (wrong.length > 0)
    throw new CheckFailure('section_digests', `manifest digest does not match section ${wrong.join(', ')}`);
}
