// The `obligations` and `authority` built-in reports over bundles the real assembler made from hand-built
// sessions: seal obligations loaded and reported violated first; authority changes within and between
// sessions by runtime time, relaxations flagged. The existing checks stay green over such bundles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { rig, type Rig } from '../assembler/harness.js';
import { GuardedSession, MINUTE_MS, POLICY_A, POLICY_B, REVIEW_RULE } from '../assembler/guarded-session.js';
import { deliveries } from '../assembler/scenarios.js';
import { failures, report, verifyJson } from './fixtures.js';

const WITHIN = 10 * MINUTE_MS;

/** s1: on-request/workspace-write, resumed as never/danger-full-access; its push is reviewed in time.
 * s2 (later): a new policy digest and a read-only sandbox; its push is never reviewed. */
function sessions(): GuardedSession[] {
  const s1 = new GuardedSession('s1', '2026-11-21T10:00:00.000Z')
    .config(0, 'on-request', 'workspace-write')
    .call('s1-push', 1, { creates: [{ rule: REVIEW_RULE, withinMs: WITHIN }] })
    .config(2, 'never', 'danger-full-access');
  s1.call('s1-pr', 3, { discharges: [s1.obligationId('s1-push')] }).end(4);
  const s2 = new GuardedSession('s2', '2026-11-21T11:00:00.000Z')
    .config(0, 'never', 'read-only')
    .call('s2-push', 1, { creates: [{ rule: REVIEW_RULE, withinMs: WITHIN }], policyDigest: POLICY_B })
    .call('s2-ls', 15, { policyDigest: POLICY_B })
    .end(16);
  return [s1, s2];
}

let r: Rig;
beforeAll(async () => {
  r = await rig();
  await r.assembler.handle(deliveries(sessions().flatMap((s) => s.records)));
  await r.assembler.flush();
});
afterAll(async () => r?.close());

const rows = async (builtin: string) => {
  const { code, stdout, stderr } = await report({ paths: [r.dataDir], builtin });
  expect({ code, stderr: stderr.replace(/proofline: warning: trusting .*\n/, '') }).toEqual({
    code: 0,
    stderr: '',
  });
  return JSON.parse(stdout) as Record<string, unknown>[];
};

describe('obligations and authority over assembled bundles', () => {
  it('every check passes on bundles and seals that carry obligations and authority', async () => {
    const verified = await verifyJson({ paths: [r.dataDir] });
    expect(failures(verified)).toEqual([]);
    expect(verified.code).toBe(0);
  });

  it('obligations: every obligation from the seals, violated first', async () => {
    expect(await rows('obligations')).toEqual([
      {
        status: 'violated',
        session_id: 's2',
        rule_id: REVIEW_RULE,
        due: '2026-11-21T11:11:00.000Z',
        created_by: 's2-push',
        discharged_by: null,
        discharged_at: null,
        waived_by: null,
        duty: `duty of ${REVIEW_RULE}`,
        obligation_id: sessions()[1]!.obligationId('s2-push'),
        source: 'seal',
      },
      {
        status: 'discharged',
        session_id: 's1',
        rule_id: REVIEW_RULE,
        due: '2026-11-21T10:11:00.000Z',
        created_by: 's1-push',
        discharged_by: 's1-pr',
        discharged_at: '2026-11-21T10:03:00.000Z',
        waived_by: null,
        duty: `duty of ${REVIEW_RULE}`,
        obligation_id: sessions()[0]!.obligationId('s1-push'),
        source: 'seal',
      },
    ]);
  });

  it('obligations: an unsealed session is reported from its latest bundle', async () => {
    const open = await rig();
    try {
      const session = new GuardedSession('unsealed', '2026-11-21T12:00:00.000Z').call('push', 1, {
        creates: [{ rule: REVIEW_RULE, withinMs: WITHIN }],
      });
      await open.assembler.handle(deliveries(session.records));
      open.clock.advance(2_000);
      expect((await open.assembler.tick()).bundled).toHaveLength(1);
      const { stdout } = await report({ paths: [open.dataDir], builtin: 'obligations' });
      expect(JSON.parse(stdout)).toEqual([
        expect.objectContaining({ status: 'open', created_by: 'push', source: 'bundle push' }),
      ]);
    } finally {
      await open.close();
    }
  });

  it('authority: relaxations within a session, and the policy digest change between sessions', async () => {
    expect(await rows('authority')).toEqual([
      {
        changed_at: '2026-11-21T10:03:00.000Z',
        scope: 'session',
        session_id: 's1',
        action_id: 's1-pr',
        setting: 'approval_policy',
        before: 'on-request',
        after: 'never',
        direction: 'relaxed',
        relaxed: true,
        previous_session: null,
      },
      {
        changed_at: '2026-11-21T10:03:00.000Z',
        scope: 'session',
        session_id: 's1',
        action_id: 's1-pr',
        setting: 'sandbox_policy',
        before: 'workspace-write',
        after: 'danger-full-access',
        direction: 'relaxed',
        relaxed: true,
        previous_session: null,
      },
      {
        changed_at: '2026-11-21T11:01:00.000Z',
        scope: 'between sessions',
        session_id: 's2',
        action_id: 's2-push',
        setting: 'policy_digest',
        before: POLICY_A,
        after: POLICY_B,
        direction: 'changed',
        relaxed: false,
        previous_session: 's1',
      },
      {
        changed_at: '2026-11-21T11:01:00.000Z',
        scope: 'between sessions',
        session_id: 's2',
        action_id: 's2-push',
        setting: 'sandbox_policy',
        before: 'danger-full-access',
        after: 'read-only',
        direction: 'tightened',
        relaxed: false,
        previous_session: 's1',
      },
    ]);
  });
});
