// The approval and sandbox policy Codex ran under reach each action's assumption receipt: the session's latest
// config record before the action, so a conversation resumed under other flags shows the change.
import { afterEach, expect, it } from 'vitest';

import { SEAL_FILE_NAME, type ActionProof } from '../../schemas/bundle.js';
import { rig, sessionRecords, statementOf, type Rig } from './harness.js';
import { GuardedSession } from './guarded-session.js';
import { deliveries } from './scenarios.js';

let r: Rig | undefined;
afterEach(async () => r?.close());

it('the assumption receipt names the approval and sandbox policy in force at the action', async () => {
  r = await rig();
  const session = new GuardedSession('authority', '2026-11-21T10:00:00.000Z')
    .call('before-config', 0.5)
    .config(1, 'on-request', 'workspace-write')
    .call('a1', 2)
    .config(3, 'never', 'danger-full-access')
    .call('a2', 4)
    .end(5);
  await r.assembler.handle(deliveries(session.records));
  await r.assembler.flush();
  const facts = new Map<string, Record<string, unknown>>();
  for (const { name, payload } of await sessionRecords(r.dataDir, session.sessionId)) {
    if (name === SEAL_FILE_NAME) continue;
    const proof = statementOf<ActionProof>(payload).predicate;
    facts.set(
      proof.summary.action_id,
      proof.evidence.receipts.find((x) => x.checkpoint === 'assumption')!.facts,
    );
  }
  expect(facts.get('before-config')).toMatchObject({ approval_policy: null, sandbox_policy: null });
  expect(facts.get('a1')).toMatchObject({
    approval_policy: 'on-request',
    sandbox_policy: 'workspace-write',
    permission_mode: 'default',
  });
  expect(facts.get('a2')).toMatchObject({ approval_policy: 'never', sandbox_policy: 'danger-full-access' });
});
