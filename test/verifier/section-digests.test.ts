// section_digests hashes each section where it lies in the canonical payload (verifier/checks/digests.ts). For
// any section content (strings full of quotes, backslashes, brackets and non-ASCII, nesting, numbers), that
// must agree with the definition, sha256 over the section's own canonical JSON: the true digests pass and a
// digest of anything else fails.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { ActionProof } from '../../schemas/bundle.js';
import { canonicalDigest, canonicalize } from '../../schemas/digest.js';
import { CheckFailure } from '../../verifier/checks/check.js';
import { verifySectionDigests } from '../../verifier/checks/digests.js';

const SECTIONS = ['summary', 'evidence', 'verification'] as const;

function statement(sections: Record<(typeof SECTIONS)[number], unknown>, digests: Record<string, string>) {
  const predicate = {
    ...sections,
    manifest: { sequence: 0, sections: digests, session_id: 's"}{', action_id: 'a' },
  };
  const payload = Buffer.from(
    canonicalize({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'x', digest: { sha256: '0' } }],
      predicateType: 'p',
      predicate,
    }),
  );
  return { proof: predicate as unknown as ActionProof, payload };
}

const sections = fc.record({
  summary: fc.jsonValue(),
  evidence: fc.jsonValue(),
  verification: fc.jsonValue(),
});

describe('section_digests over the canonical payload', () => {
  it('passes the sections’ true canonical digests', () => {
    fc.assert(
      fc.property(sections, (values) => {
        const digests = Object.fromEntries(SECTIONS.map((s) => [s, canonicalDigest(values[s])]));
        const { proof, payload } = statement(values, digests);
        expect(() => verifySectionDigests(proof, payload)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('fails a section whose digest is that of anything else', () => {
    fc.assert(
      fc.property(sections, fc.constantFrom(...SECTIONS), fc.jsonValue(), (values, changed, other) => {
        fc.pre(canonicalize(other) !== canonicalize(values[changed]));
        const digests = Object.fromEntries(
          SECTIONS.map((s) => [s, canonicalDigest(s === changed ? other : values[s])]),
        );
        const { proof, payload } = statement(values, digests);
        expect(() => verifySectionDigests(proof, payload)).toThrow(CheckFailure);
        expect(() => verifySectionDigests(proof, payload)).toThrow(changed);
      }),
      { numRuns: 300 },
    );
  });
});
