// Type URIs: lower case under one namespace (schemas/type-uris.ts, schemas/predicates.md); what was written
// under the old names still verifies, and a name that is neither is not a bundle.
import { generateKeyPairSync } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import {
  approvalIdOf,
  parseGrant,
  signGrant,
  type ApprovalGrantStatement,
} from '../../schemas/approval-grant.js';
import { keyIdOf } from '../../schemas/keys.js';
import {
  ACTION_PREDICATE_TYPE,
  APPROVAL_GRANT_TYPE,
  LEGACY_ACTION_PREDICATE_TYPE,
  LEGACY_APPROVAL_GRANT_TYPE,
  LEGACY_SEAL_PREDICATE_TYPE,
  SEAL_PREDICATE_TYPE,
  TYPE_NAMESPACE,
} from '../../schemas/type-uris.js';
import { failures, makeDataDir, standardSessions, verifyJson } from './fixtures.js';

describe('type URIs', () => {
  it('are lower case and under the one namespace', () => {
    for (const uri of [ACTION_PREDICATE_TYPE, SEAL_PREDICATE_TYPE, APPROVAL_GRANT_TYPE]) {
      expect(uri.startsWith(TYPE_NAMESPACE)).toBe(true);
      expect(uri).toBe(uri.toLowerCase());
      expect(uri).toMatch(/^https:\/\/proofline\.dev\/attestation\/[a-z-]+\/v\d+$/);
    }
  });

  it('bundles and seals written under the old names still verify', async () => {
    const sessions = standardSessions().map((session) => ({
      ...session,
      actions: session.actions.map((action) => ({
        ...action,
        editStatement: (s: { predicateType: string }) => (s.predicateType = LEGACY_ACTION_PREDICATE_TYPE),
      })),
      editSealStatement: (s: { predicateType: string }) => (s.predicateType = LEGACY_SEAL_PREDICATE_TYPE),
    }));
    const { dir } = await makeDataDir(sessions);
    const report = await verifyJson({ paths: [dir] });
    expect(failures(report)).toEqual([]);
    expect(report.code).toBe(0);
    expect(report.completeness.overall.actions).toBe(4);
  });

  it('a predicate type that is neither (a case variant of the new one) fails statement_format', async () => {
    const sessions = standardSessions();
    sessions[1]!.actions[0]!.editStatement = (s) =>
      (s.predicateType = ACTION_PREDICATE_TYPE.replace('action-proof', 'Action-Proof'));
    const { dir } = await makeDataDir(sessions);
    const report = await verifyJson({ paths: [dir] });
    expect(failures(report).filter((f) => f.check === 'statement_format')).toEqual([
      expect.objectContaining({
        detail: expect.stringContaining('unknown predicateType') as string,
      }),
    ]);
    expect(report.code).toBe(1);
  });

  it('a grant signed under the old _type still parses; an unknown _type does not', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const actionDigest = 'a'.repeat(64);
    const statement = (type: string): ApprovalGrantStatement =>
      ({
        _type: type,
        approval_id: approvalIdOf(actionDigest),
        action_digest: actionDigest,
        session_id: 's1',
        decision: 'approved',
        approver: 'ann',
        keyid: keyIdOf(publicKey),
        challenge: 'c'.repeat(32),
        issued_at: '2026-11-21T10:00:00.000Z',
        expires_at: '2026-11-21T10:10:00.000Z',
      }) as ApprovalGrantStatement;
    for (const type of [APPROVAL_GRANT_TYPE, LEGACY_APPROVAL_GRANT_TYPE])
      expect(parseGrant(signGrant(statement(type), privateKey)).statement._type).toBe(type);
    expect(() =>
      parseGrant(signGrant(statement('https://proofline.dev/approvalgrant/v1'), privateKey)),
    ).toThrow(/_type must be https:\/\/proofline\.dev\/attestation\/approval-grant\/v1/);
  });
});
