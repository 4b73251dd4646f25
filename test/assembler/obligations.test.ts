// Obligation tracking through the real assembler: statuses judged on runtime times, carried by the bundles of
// the actions that created and settled them (as known then) and by the session seal (final).
import { afterEach, describe, expect, it } from 'vitest';

import { SEAL_FILE_NAME, type ActionProof, type SessionSeal } from '../../schemas/bundle.js';
import { assertObservation, InvalidObservationError } from '../../schemas/assert-observation.js';
import { observationId } from '../../schemas/observation.js';
import { rig, sessionRecords, SETTLE_MS, statementOf, type Rig } from './harness.js';
import { GuardedSession, MINUTE_MS, REVIEW_RULE } from './guarded-session.js';
import { deliveries } from './scenarios.js';

const rigs: Rig[] = [];
async function open(shared: { keyDir?: string } = {}): Promise<Rig> {
  const r = await rig(shared);
  rigs.push(r);
  return r;
}
afterEach(async () => {
  for (const r of rigs.reverse()) await r.close();
  rigs.length = 0;
});

const START = '2026-11-21T10:00:00.000Z';
const WITHIN = 10 * MINUTE_MS;

interface Assembled {
  proofs: Map<string, ActionProof>;
  seal: SessionSeal;
  /** Every file's payload text, by file name. */
  payloads: Map<string, string>;
}

async function assemble(r: Rig, session: GuardedSession, batches = 1): Promise<Assembled> {
  const all = deliveries(session.records);
  const size = Math.ceil(all.length / batches);
  for (let i = 0; i < all.length; i += size) await r.assembler.handle(all.slice(i, i + size));
  // Quiet for the settle time after session_end: sealed as a finished session is.
  r.clock.advance(SETTLE_MS);
  const report = await r.assembler.tick();
  expect(report.deadLetters).toEqual([]);
  const proofs = new Map<string, ActionProof>();
  const payloads = new Map<string, string>();
  let seal: SessionSeal | undefined;
  for (const { name, payload } of await sessionRecords(r.dataDir, session.sessionId)) {
    payloads.set(name, payload.toString('utf8'));
    if (name === SEAL_FILE_NAME) seal = statementOf<SessionSeal>(payload).predicate;
    else {
      const proof = statementOf<ActionProof>(payload).predicate;
      proofs.set(proof.summary.action_id, proof);
    }
  }
  return { proofs, seal: seal!, payloads };
}

const obligationsCheck = (proof: ActionProof | undefined) =>
  proof?.verification.checks.find((c) => c.name === 'obligations');

/** A push at minute 1 that creates the review duty, then `rest` of the session. */
function pushThen(id: string, build: (s: GuardedSession, duty: string) => void): GuardedSession {
  const session = new GuardedSession(id, START).call('push', 1, {
    creates: [{ rule: REVIEW_RULE, withinMs: WITHIN }],
  });
  build(session, session.obligationId('push'));
  return session;
}

describe('obligations', () => {
  it('created, then discharged in time: open in the creating bundle, discharged after', async () => {
    const session = pushThen('in-time', (s, duty) => s.call('pr', 6, { discharges: [duty] }).end(7));
    const duty = session.obligationId('push');
    const { proofs, seal } = await assemble(await open(), session);
    const due = (session.nanos(1) + BigInt(WITHIN) * 1_000_000n).toString();

    expect(proofs.get('push')!.evidence.obligations).toEqual([
      {
        id: duty,
        rule_id: REVIEW_RULE,
        status: 'open',
        due_unix_nano: due,
        duty: `duty of ${REVIEW_RULE}`,
        created_by: 'push',
        discharged_by: null,
        discharged_unix_nano: null,
        waived_by: null,
      },
    ]);
    expect(obligationsCheck(proofs.get('push'))).toEqual({
      name: 'obligations',
      ok: true,
      detail: `1 known; open: ${REVIEW_RULE} ${duty.slice(0, 12)} (due 2026-11-21T10:11:00.000Z); violated: none`,
    });
    expect(proofs.get('pr')!.evidence.obligations).toEqual([
      expect.objectContaining({
        id: duty,
        status: 'discharged',
        discharged_by: 'pr',
        discharged_unix_nano: session.nanos(6).toString(),
      }),
    ]);
    expect(obligationsCheck(proofs.get('pr'))).toMatchObject({
      ok: true,
      detail: '1 known; open: none; violated: none',
    });
    expect(seal.obligations).toEqual([
      expect.objectContaining({
        id: duty,
        status: 'discharged',
        created_by: 'push',
        discharged_by: 'pr',
        due_unix_nano: due,
      }),
    ]);
  });

  it('discharged after the due time: violated, with the late discharge named', async () => {
    const session = pushThen('late', (s, duty) => s.call('pr', 12, { discharges: [duty] }).end(13));
    const { proofs, seal } = await assemble(await open(), session);
    expect(proofs.get('pr')!.evidence.obligations).toEqual([
      expect.objectContaining({ status: 'violated', discharged_by: 'pr' }),
    ]);
    expect(obligationsCheck(proofs.get('pr'))).toMatchObject({ ok: false });
    expect(obligationsCheck(proofs.get('pr'))!.detail).toMatch(
      new RegExp(`open: none; violated: ${REVIEW_RULE} `),
    );
    expect(seal.obligations).toEqual([
      expect.objectContaining({
        status: 'violated',
        discharged_by: 'pr',
        discharged_unix_nano: session.nanos(12).toString(),
      }),
    ]);
  });

  it('never discharged: violated once the session runs past the due time', async () => {
    const session = pushThen('missed', (s) => s.call('ls-early', 5).call('ls-late', 12).end(13));
    const { proofs, seal } = await assemble(await open(), session);
    // Unrelated calls carry no obligation of their own, but their check says what was known at their time.
    expect(proofs.get('ls-early')!.evidence.obligations).toEqual([]);
    expect(obligationsCheck(proofs.get('ls-early'))).toMatchObject({ ok: true });
    expect(obligationsCheck(proofs.get('ls-early'))!.detail).toMatch(/open: review-after-protected-push/);
    expect(obligationsCheck(proofs.get('ls-late'))).toMatchObject({ ok: false });
    expect(obligationsCheck(proofs.get('ls-late'))!.detail).toMatch(/open: none; violated: review-after/);
    // The creating bundle states what its own time knew: still open.
    expect(proofs.get('push')!.evidence.obligations[0]!.status).toBe('open');
    expect(seal.obligations).toEqual([
      expect.objectContaining({ status: 'violated', discharged_by: null, waived_by: null }),
    ]);
  });

  it('waived by a dispensation', async () => {
    const session = pushThen('waived', (s, duty) => s.call('exempt', 3, { waives: [duty] }).end(20));
    const { proofs, seal } = await assemble(await open(), session);
    expect(proofs.get('exempt')!.evidence.obligations).toEqual([
      expect.objectContaining({ status: 'waived', waived_by: 'exempt', discharged_by: null }),
    ]);
    // Waived before the deadline, it is not violated when the session runs past it.
    expect(seal.obligations).toEqual([expect.objectContaining({ status: 'waived', waived_by: 'exempt' })]);
  });

  it('open at the seal when the session ends before the due time', async () => {
    const session = pushThen('ends-early', (s) => s.call('ls', 2).end(3));
    const { seal } = await assemble(await open(), session);
    expect(seal.obligations).toEqual([expect.objectContaining({ status: 'open', created_by: 'push' })]);
    expect(seal.reason).toBe('session_end');
  });

  it('a session that creates no obligation seals without the field and bundles without the check', async () => {
    const session = new GuardedSession('none', START).call('ls', 1).end(2);
    const { proofs, seal } = await assemble(await open(), session);
    expect(seal).not.toHaveProperty('obligations');
    expect(obligationsCheck(proofs.get('ls'))).toBeUndefined();
  });

  it('a malformed obligations attribute never passes the observation gate a transport applies', () => {
    const session = pushThen('malformed', () => undefined);
    const decision = session.records.find((o) => o.kind === 'guard_decision')!;
    const tampered = { ...decision, attrs: { ...decision.attrs, 'proofline.obligations': '[{"id":1}]' } };
    const broken = { ...tampered, id: observationId(tampered) };
    expect(() => assertObservation(broken)).toThrow(
      new InvalidObservationError(
        'proofline.obligations is not a JSON array of {id, rule_id, duty, within_ms}',
      ),
    );
    expect(() => assertObservation(decision)).not.toThrow();
  });

  it('is deterministic: the same records, in any order and batching, give the same bundles and seal', async () => {
    const build = () =>
      pushThen('determinism', (s, duty) =>
        s
          .call('ls', 4)
          .call('pr', 8, { discharges: [duty] })
          .call('push2', 9, {
            creates: [{ rule: REVIEW_RULE, withinMs: WITHIN }],
          })
          .end(30),
      );
    const first = await open();
    const second = await open({ keyDir: first.keyDir });
    const a = await assemble(first, build());
    const reversed = build();
    reversed.records.reverse();
    const b = await assemble(second, reversed, 3);
    expect([...b.payloads.keys()]).toEqual([...a.payloads.keys()]);
    expect(b.payloads).toEqual(a.payloads);
    expect(a.seal.obligations!.map((o) => [o.created_by, o.status])).toEqual([
      ['push', 'discharged'],
      ['push2', 'violated'],
    ]);
  });
});
