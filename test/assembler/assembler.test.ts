import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';

import { BundleStore } from '../../assembler/bundle-store.js';
import { DataDirLockedError } from '../../assembler/errors.js';
import { loadSigner } from '../../assembler/keygen.js';

import { actionSubjectDigest } from '../../assembler/bundle.js';
import { createAssembler, type AssemblerLogger } from '../../assembler/assembler.js';
import { pino } from 'pino';
import { runAssembler } from '../../assembler/run.js';
import { ProoflineError } from '../../schemas/errors.js';
import { runVerify, type VerifyReport } from '../../verifier/verify-command.js';
import { captureOutput } from '../e2e/support.js';
import {
  actionBundleFileName,
  SEAL_FILE_NAME,
  type ActionProof,
  type SessionSeal,
} from '../../schemas/bundle.js';
import { assertObservation, InvalidObservationError } from '../../schemas/assert-observation.js';
import { canonicalDigest, sha256Hex } from '../../schemas/digest.js';
import { merkleRoot } from '../../schemas/merkle.js';
import { observationId, type Observation } from '../../schemas/observation.js';
import type { Delivery, ObservationSubscriber } from '../../schemas/transport.js';
import {
  IDLE_MS,
  readEnvelope,
  rig,
  sessionFiles as filesIn,
  sessionRecords,
  SETTLE_MS,
  signatureVerifies,
  statementOf,
  type Rig,
} from './harness.js';
import {
  allowScenario,
  CALL_ID,
  deliveries,
  denyScenario,
  observation,
  preToolUse,
  SESSIONS,
  TURNS,
  untrustedScenario,
} from './scenarios.js';

const rigs: Rig[] = [];
async function open(shared: { dataDir?: string; keyDir?: string } = {}): Promise<Rig> {
  const r = await rig(shared);
  rigs.push(r);
  return r;
}
afterEach(async () => {
  // Shared-directory rigs first: the owner removes the directory.
  for (const r of rigs.reverse()) await r.close();
  rigs.length = 0;
});

async function proofAt(r: Rig, location: string) {
  const { envelope, payload, text } = await readEnvelope(r.dataDir, location);
  return { envelope, payload, text, statement: statementOf<ActionProof>(payload) };
}

async function sessionFiles(r: Rig, sessionId: string): Promise<string[]> {
  return filesIn(r.dataDir, sessionId);
}

/** A second call in the allow session, after the first: the model asks again, the guard allows, it runs. */
function secondCall(): Observation[] {
  const facts = { session: SESSIONS.allow, turn: TURNS.allow };
  return [
    ...preToolUse(facts, 'allow', { callId: 'call_fixture_0002' }),
    observation({
      source: 'codex.log',
      kind: 'approval',
      name: 'codex.tool_decision',
      session_id: SESSIONS.allow,
      action_id: 'call_fixture_0002',
      time: '2026-11-21T04:35:21.780Z',
      attrs: { 'proofline.approval.decision': 'approved', 'proofline.approval.source': 'Config' },
    }),
    observation({
      source: 'codex.log',
      kind: 'tool_result',
      name: 'codex.tool_result',
      session_id: SESSIONS.allow,
      action_id: 'call_fixture_0002',
      time: '2026-11-21T04:35:21.790Z',
      attrs: { 'proofline.execution': true, 'proofline.success': false },
    }),
  ];
}

describe('assembler → signed bundles', () => {
  it('bundles each scenario into a signed, self-consistent proof and seals its session', async () => {
    const r = await open();
    await r.assembler.handle(deliveries([...allowScenario(), ...denyScenario(), ...untrustedScenario()]));
    const report = await r.assembler.flush();
    expect(report.bundled.map((b) => b.sessionId).sort()).toEqual(
      [SESSIONS.allow, SESSIONS.deny, SESSIONS.untrusted].sort(),
    );
    expect(report.sealed).toHaveLength(3);

    const summaries: Record<string, ActionProof['summary']> = {};
    for (const bundle of report.bundled) {
      expect(await sessionFiles(r, bundle.sessionId)).toEqual([
        actionBundleFileName(0, CALL_ID),
        SEAL_FILE_NAME,
      ]);
      const { envelope, payload, statement } = await proofAt(r, bundle.location);
      expect(await signatureVerifies(r.keyDir, envelope)).toBe(true);
      expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
      expect(bundle.digest).toBe(sha256Hex(payload));
      const proof = statement.predicate;
      expect(statement._type).toBe('https://in-toto.io/Statement/v1');
      expect(statement.predicateType).toBe('https://proofline.dev/attestation/action-proof/v1');
      expect(statement.subject).toEqual([
        {
          name: `action:${bundle.sessionId}/${CALL_ID}`,
          digest: { sha256: actionSubjectDigest(proof.summary) },
        },
      ]);
      expect(proof.manifest.sections).toEqual({
        summary: canonicalDigest(proof.summary),
        evidence: canonicalDigest(proof.evidence),
        verification: canonicalDigest(proof.verification),
      });
      expect(proof.manifest).toMatchObject({
        sequence: 0,
        previous_bundle: null,
        assembler_version: 'test-0.0.0',
      });
      expect(proof.manifest.signer_keyid).toBe(envelope.signatures[0]!.keyid);
      expect(proof.verification.checks.find((c) => c.name === 'receipt_chain_intact')?.ok).toBe(true);
      summaries[bundle.sessionId] = proof.summary;
    }
    expect(summaries[SESSIONS.allow]).toMatchObject({
      route: 'allow',
      outcome: 'succeeded',
      completeness: { rho: 1 },
    });
    expect(summaries[SESSIONS.deny]).toMatchObject({
      route: 'block',
      outcome: 'blocked',
      completeness: { expected: ['admissibility', 'closure'], rho: 1 },
    });
    expect(summaries[SESSIONS.untrusted]).toMatchObject({
      route: null,
      enforceability: 'post_hoc_observed',
      completeness: { rho: 0.6 },
    });
    // Summary times are the runtime's (RFC 3339), and the manifest carries no time at all.
    expect(summaries[SESSIONS.untrusted]!.started_at).toBe('2026-11-21T04:36:07.660Z');

    const rows = await r.db.runAndReadAll(
      'SELECT session_id, sequence, action_id, route, rho, outcome FROM bundle_index ORDER BY rho, session_id',
    );
    expect(rows.getRowObjectsJson()).toEqual([
      {
        session_id: SESSIONS.untrusted,
        sequence: 0,
        action_id: CALL_ID,
        route: null,
        rho: 0.6,
        outcome: 'succeeded',
      },
      {
        session_id: SESSIONS.allow,
        sequence: 0,
        action_id: CALL_ID,
        route: 'allow',
        rho: 1,
        outcome: 'succeeded',
      },
      {
        session_id: SESSIONS.deny,
        sequence: 0,
        action_id: CALL_ID,
        route: 'block',
        rho: 1,
        outcome: 'blocked',
      },
    ]);
  });

  it('chains bundles within a session and seals them under a Merkle root', async () => {
    const r = await open();
    const observations = [...allowScenario(), ...secondCall()];
    await r.assembler.handle(deliveries(observations));
    await r.assembler.flush();
    const files = await sessionFiles(r, SESSIONS.allow);
    expect(files).toEqual([
      actionBundleFileName(0, CALL_ID),
      actionBundleFileName(1, 'call_fixture_0002'),
      SEAL_FILE_NAME,
    ]);
    const [firstRecord, secondRecord, sealFile] = await sessionRecords(r.dataDir, SESSIONS.allow);
    const first = { ...firstRecord!, statement: statementOf<ActionProof>(firstRecord!.payload) };
    const second = { ...secondRecord!, statement: statementOf<ActionProof>(secondRecord!.payload) };
    expect(second.statement.predicate.manifest).toMatchObject({
      sequence: 1,
      previous_bundle: sha256Hex(first.payload),
    });
    expect(second.statement.predicate.summary.outcome).toBe('failed');
    // The second call's slice reaches back through the first call's result.
    const sliceNames = second.statement.predicate.evidence.slice.nodes.map((n) => n.name);
    expect(sliceNames).toContain('codex.tool_result');
    expect(
      second.statement.predicate.evidence.slice.nodes.filter((n) => n.name === 'codex.tool_result'),
    ).toHaveLength(2);

    expect(await signatureVerifies(r.keyDir, sealFile!.envelope)).toBe(true);
    const seal = statementOf<SessionSeal>(sealFile!.payload).predicate;
    const digests = [sha256Hex(first.payload), sha256Hex(second.payload)];
    expect(seal).toMatchObject({
      session_id: SESSIONS.allow,
      count: 2,
      merkle_root: merkleRoot(digests),
      last_bundle: digests[1],
      reason: 'flush',
      observations: {
        count: observations.length,
        merkle_root: merkleRoot(observations.map((o) => o.id).sort()),
      },
    });
    expect(statementOf(sealFile!.payload).subject).toEqual([
      { name: `session:${SESSIONS.allow}`, digest: { sha256: merkleRoot(digests) } },
    ]);
  });

  it('stops a later slice at what an earlier bundle lists, also after the session was set aside on disk', async () => {
    const r = await open();
    const first = withoutEnd(allowScenario());
    await r.assembler.handle(deliveries(first));
    r.clock.advance(SETTLE_MS);
    const one = await r.assembler.tick();
    expect(one.bundled).toHaveLength(1);
    const firstSlice = (await proofAt(r, one.bundled[0]!.location)).statement.predicate.evidence.slice;
    expect(firstSlice.frontier).toBeUndefined();
    expect(r.assembler.stats().spilledSessions).toBe(1);

    await r.assembler.handle(deliveries(secondCall(), 100));
    r.clock.advance(SETTLE_MS);
    const two = await r.assembler.tick();
    expect(two.bundled).toHaveLength(1);
    const secondSlice = (await proofAt(r, two.bundled[0]!.location)).statement.predicate.evidence.slice;
    const firstResult = first.find((o) => o.name === 'codex.tool_result')!.id;
    expect(secondSlice.frontier).toContain(firstResult);
    // Behind the frontier nothing of the first call is repeated: only its result is named, as the frontier.
    const firstCallIds = new Set(first.filter((o) => o.action_id === CALL_ID).map((o) => o.id));
    expect(secondSlice.nodes.filter((n) => firstCallIds.has(n.id)).map((n) => n.id)).toEqual([firstResult]);
    expect(secondSlice.edges.some((e) => e.to === firstResult)).toBe(false);
  });

  it('same input gives byte-identical envelopes in two fresh stores', async () => {
    const a = await open();
    // Same key in both: Ed25519 is deterministic, so the envelopes must match byte for byte.
    const b = await open({ keyDir: a.keyDir });
    const input = deliveries([
      ...allowScenario(),
      ...secondCall(),
      ...denyScenario(),
      ...untrustedScenario(),
    ]);
    await a.assembler.handle(input);
    await a.assembler.flush();
    // Arrival order must not matter either.
    await b.assembler.handle([...input].reverse());
    await b.assembler.flush();
    for (const session of [SESSIONS.allow, SESSIONS.deny, SESSIONS.untrusted]) {
      const left = await sessionRecords(a.dataDir, session);
      const right = await sessionRecords(b.dataDir, session);
      expect(right.map((f) => f.name)).toEqual(left.map((f) => f.name));
      expect(right.map((f) => f.text)).toEqual(left.map((f) => f.text));
    }
  });
});

describe('finalization', () => {
  const withoutSessionEnd = (observations: Observation[]) =>
    observations.filter((o) => o.kind !== 'session_end');

  it('bundles an action once closed and quiet for settleMs, and never re-bundles it for late records', async () => {
    const r = await open();
    const all = withoutSessionEnd(allowScenario());
    const late = all.find((o) => o.name === 'codex.tool_decision')!;
    await r.assembler.handle(deliveries(all.filter((o) => o !== late)));
    expect((await r.assembler.tick()).bundled).toHaveLength(0);
    r.clock.advance(SETTLE_MS - 1);
    expect((await r.assembler.tick()).bundled).toHaveLength(0);
    r.clock.advance(1);
    const settled = await r.assembler.tick();
    expect(settled.bundled).toHaveLength(1);
    expect(settled.sealed).toHaveLength(0);

    await r.assembler.handle(deliveries([late], 100));
    expect(r.assembler.stats().late).toBe(1);
    r.clock.advance(IDLE_MS);
    const idle = await r.assembler.tick();
    expect(idle.bundled).toHaveLength(0);
    expect(idle.sealed.map((s) => s.seal!.reason)).toEqual(['idle_timeout']);
    expect(idle.sealed[0]!.seal!).toMatchObject({
      count: 1,
      observations: { count: all.length },
      late_records: 1,
    });
  });

  it("waits for Codex's own result record when its telemetry flows, so the exit code is not late", async () => {
    const r = await open();
    const all = withoutSessionEnd(allowScenario());
    const result = all.find((o) => o.name === 'codex.tool_result')!;
    // Closed by the hook's PostToolUse, while the session already has Codex's logs: not ready yet.
    await r.assembler.handle(deliveries(all.filter((o) => o !== result)));
    r.clock.advance(SETTLE_MS);
    expect((await r.assembler.tick()).bundled).toHaveLength(0);
    await r.assembler.handle(deliveries([result], 100));
    r.clock.advance(SETTLE_MS);
    const settled = await r.assembler.tick();
    expect(settled.bundled).toHaveLength(1);
    const { statement } = await proofAt(r, settled.bundled[0]!.location);
    expect(statement.predicate.summary.outcome).toBe('succeeded');
    expect(r.assembler.stats().late).toBe(0);
    r.clock.advance(IDLE_MS);
    const idle = await r.assembler.tick();
    expect(idle.sealed[0]!.seal!.late_records).toBeUndefined();
  });

  it('bundles on the hook alone when the session has no Codex telemetry (hooks without [otel])', async () => {
    const r = await open();
    const hooksOnly = withoutSessionEnd(allowScenario()).filter((o) => o.source === 'hook');
    await r.assembler.handle(deliveries(hooksOnly));
    r.clock.advance(SETTLE_MS);
    const settled = await r.assembler.tick();
    expect(settled.bundled).toHaveLength(1);
    const { statement } = await proofAt(r, settled.bundled[0]!.location);
    // The hook's PostToolUse says the command ran, not how it ended.
    expect(statement.predicate.summary.outcome).toBe('unknown');
  });

  it('waits for session_end before trusting a non-execution proof', async () => {
    const r = await open();
    const all = denyScenario();
    const end = all.filter((o) => o.kind === 'session_end');
    await r.assembler.handle(deliveries(all.filter((o) => o.kind !== 'session_end')));
    r.clock.advance(SETTLE_MS);
    expect((await r.assembler.tick()).bundled).toHaveLength(0);
    await r.assembler.handle(deliveries(end, 50));
    expect((await r.assembler.tick()).bundled).toHaveLength(0);
    r.clock.advance(SETTLE_MS);
    const done = await r.assembler.tick();
    expect(done.bundled).toHaveLength(1);
    expect(done.sealed.map((s) => s.seal!.reason)).toEqual(['session_end']);
  });

  it('lets no timer run out for a session while its partition has a backlog; other partitions go on', async () => {
    const r = await open();
    const all = withoutSessionEnd(allowScenario());
    const result = all.find((o) => o.name === 'codex.tool_result')!;
    const other = preToolUse({ session: SESSIONS.allow + '-other', turn: TURNS.allow }, 'allow');
    await r.assembler.handle(deliveries(all.filter((o) => o !== result)));
    await r.assembler.handle(deliveries(other, 0, 1));
    r.clock.advance(IDLE_MS);
    // An agent flooding ingest keeps partition 0 behind: its result may be in the backlog, so nothing of its
    // session is bundled or sealed, while the session on partition 1 times out as usual.
    const behind = await r.assembler.tick(new Set([0]));
    expect(behind.sealed.map((s) => s.sessionId)).toEqual([SESSIONS.allow + '-other']);
    expect(behind.bundled.every((b) => b.sessionId !== SESSIONS.allow)).toBe(true);
    await r.assembler.handle(deliveries([result], 100));
    r.clock.advance(SETTLE_MS);
    const caughtUp = await r.assembler.tick(new Set());
    expect(caughtUp.bundled).toHaveLength(1);
    const { statement } = await proofAt(r, caughtUp.bundled[0]!.location);
    expect(statement.predicate.summary.outcome).toBe('succeeded');
    expect(r.assembler.stats().late).toBe(0);
  });

  it('lets waiting requests through between the actions it bundles', async () => {
    // In `serve` the guard shares this thread: a request waiting while a long session is bundled must get
    // its turn between two actions, not after the last. A setImmediate stands for it.
    let waitingRan = false;
    const ranAtEachBundle: boolean[] = [];
    const logger: AssemblerLogger = {
      ...pino({ level: 'silent' }),
      info: ((_fields: unknown, message?: string) => {
        if (message === 'action bundled') ranAtEachBundle.push(waitingRan);
      }) as AssemblerLogger['info'],
    };
    const r = await rig({ logger });
    rigs.push(r);
    await r.assembler.handle(deliveries([...allowScenario(), ...denyScenario(), ...untrustedScenario()]));
    r.clock.advance(IDLE_MS);
    setImmediate(() => (waitingRan = true));
    await r.assembler.tick();
    expect(ranAtEachBundle.length).toBeGreaterThan(1);
    expect(ranAtEachBundle[0]).toBe(true);
  });

  it('idle timeout closes open actions with outcome unknown and names their missing receipts', async () => {
    const r = await open();
    await r.assembler.handle(deliveries(preToolUse({ session: SESSIONS.allow, turn: TURNS.allow }, 'allow')));
    r.clock.advance(IDLE_MS - 1);
    expect((await r.assembler.tick()).bundled).toHaveLength(0);
    r.clock.advance(1);
    const report = await r.assembler.tick();
    expect(report.sealed.map((s) => s.seal!.reason)).toEqual(['idle_timeout']);
    const { statement } = await proofAt(r, report.bundled[0]!.location);
    const proof = statement.predicate;
    expect(proof.summary.outcome).toBe('unknown');
    expect(proof.summary.completeness.missing).toEqual(['approval', 'closure']);
    expect(proof.evidence.receipts.find((x) => x.checkpoint === 'closure')).toMatchObject({
      status: 'missing',
      facts: { sought: ['tool_result'] },
    });
    expect(proof.verification.checks).toContainEqual({
      name: 'closed_before_outcome',
      ok: false,
      detail: 'closed at idle_timeout with no closure evidence; missing receipts: approval, closure',
    });
  });
});

describe('durability and the commit rule', () => {
  it('commits the smallest offset an unsealed session still needs, else the next offset', async () => {
    const r = await open();
    const deny = denyScenario();
    const untrusted = untrustedScenario();
    // Partition 0: the deny session at 0..n-1, then the untrusted one. Partition 3: only the untrusted one.
    await r.assembler.handle([
      ...deliveries(deny, 0, 0),
      ...deliveries(untrusted.slice(0, 2), deny.length, 0),
    ]);
    await r.assembler.handle(deliveries(untrusted.slice(2), 40, 3));
    expect(r.assembler.committableOffsets()).toEqual(
      new Map([
        [0, '0'],
        [3, '40'],
      ]),
    );
    r.clock.advance(SETTLE_MS);
    await r.assembler.tick(); // the deny session has ended: sealed; the untrusted one is still open
    expect(r.assembler.committableOffsets()).toEqual(
      new Map([
        [0, String(deny.length)],
        [3, '40'],
      ]),
    );
    await r.assembler.flush();
    expect(r.assembler.committableOffsets()).toEqual(
      new Map([
        [0, String(deny.length + 2)],
        [3, String(40 + untrusted.length - 2)],
      ]),
    );
  });

  it('after a crash, redelivery from the committed offset continues the chain without duplicates', async () => {
    const first = await open();
    const calls = withoutEnd([...allowScenario(), ...secondCall()]);
    const input = deliveries(calls);
    await first.assembler.handle(input);
    // Both calls are bundled, but the session is not sealed when the process "crashes".
    first.clock.advance(SETTLE_MS);
    const before = await first.assembler.tick();
    expect(before.bundled.map((b) => b.actionId)).toEqual([CALL_ID, 'call_fixture_0002']);
    // The open session still holds offset 0, so that is all that was committed.
    expect(first.assembler.committableOffsets().get(0)).toBe('0');

    // A new process over the same directory gets everything from the committed offset again, plus the end.
    await first.store.close();
    const second = await open({ dataDir: first.dataDir, keyDir: first.keyDir });
    const end = allowScenario().filter((o) => o.kind === 'session_end');
    await second.assembler.handle([...input, ...deliveries(end, input.length)]);
    const after = await second.assembler.flush();
    expect(after.bundled).toHaveLength(0);
    const seal = statementOf<SessionSeal>(
      (await readEnvelope(second.dataDir, after.sealed[0]!.location)).payload,
    ).predicate;
    expect(seal.count).toBe(2);
    expect(seal.observations.count).toBe(calls.length + end.length);
    expect(await sessionFiles(second, SESSIONS.allow)).toEqual([
      actionBundleFileName(0, CALL_ID),
      actionBundleFileName(1, 'call_fixture_0002'),
      SEAL_FILE_NAME,
    ]);
  });

  it('a restart mid-session bundles only the new action and links it to the last bundle on disk', async () => {
    const first = await open();
    const base = withoutEnd(allowScenario());
    await first.assembler.handle(deliveries(base));
    first.clock.advance(SETTLE_MS);
    const [bundled] = (await first.assembler.tick()).bundled;

    await first.store.close();
    const second = await open({ dataDir: first.dataDir, keyDir: first.keyDir });
    await second.assembler.handle(deliveries([...base, ...secondCall()]));
    const report = await second.assembler.flush();
    expect(report.bundled.map((b) => [b.sequence, b.actionId])).toEqual([[1, 'call_fixture_0002']]);
    const { statement } = await proofAt(second, report.bundled[0]!.location);
    expect(statement.predicate.manifest.previous_bundle).toBe(bundled!.digest);
    // The index of the new process learned about the earlier bundle from the files.
    const rows = await second.db.runAndReadAll('SELECT sequence FROM bundle_index ORDER BY sequence');
    expect(rows.getRowObjectsJson()).toEqual([{ sequence: 0 }, { sequence: 1 }]);
  });

  it('a record whose id is not its digest never passes the observation gate a transport applies', () => {
    const good = allowScenario();
    const forged = { ...good[0]!, attrs: { injected: true } };
    expect(() => assertObservation(forged)).toThrow(
      new InvalidObservationError('id is not the digest of the record'),
    );
    for (const record of good) expect(() => assertObservation(record)).not.toThrow();
  });
});

describe('a session that cannot be processed', () => {
  it('is quarantined — its records dead-lettered with the reason, later ones too — and the others go on', async () => {
    const r = await open();
    // A fake: the real store, except that reading one session's chain fails the way a store conflict does.
    const conflicted: BundleStore = new Proxy(r.store, {
      get(target, property, receiver) {
        if (property !== 'chain') return Reflect.get(target, property, receiver) as unknown;
        return async (sessionId: string) => {
          if (sessionId === SESSIONS.deny)
            throw new ProoflineError('STORE_CONFLICT', 'the store holds another session here');
          return target.chain(sessionId);
        };
      },
    });
    const assembler = createAssembler({
      store: conflicted,
      signer: await loadSigner(r.keyDir),
      settleMs: SETTLE_MS,
      idleTimeoutMs: IDLE_MS,
      clock: r.clock,
      assemblerVersion: 'test-0.0.0',
    });

    const deny = denyScenario();
    const untrusted = untrustedScenario();
    const report = await assembler.handle([...deliveries(deny, 100), ...deliveries(untrusted, 200)]);
    expect(new Set(report.deadLetters.map((d) => d.delivery.observation.session_id))).toEqual(
      new Set([SESSIONS.deny]),
    );
    expect(report.deadLetters).toHaveLength(deny.length);
    expect(report.deadLetters[0]!.reason).toBe(
      `session ${SESSIONS.deny} quarantined: the store holds another session here`,
    );
    expect(assembler.stats()).toMatchObject({ quarantined: 1 });
    // Sealed as quarantined, with the reason: the signed evidence says the session is incomplete.
    expect(
      report.sealed.map((sealed) => [sealed.sessionId, sealed.seal?.reason, sealed.seal?.quarantine]),
    ).toEqual([[SESSIONS.deny, 'quarantined', { reason: report.deadLetters[0]!.reason }]]);

    const flushed = await assembler.flush();
    expect(flushed.sealed.map((sealed) => sealed.sessionId)).toEqual([SESSIONS.untrusted]);
    // Nothing of the quarantined session is held back from the commit: its records are set aside, not pending.
    expect(assembler.committableOffsets().get(0)).toBe(String(200 + untrusted.length));

    const late = await assembler.handle(deliveries(deny.slice(0, 1), 300));
    expect(late.deadLetters.map((d) => d.reason)).toEqual([report.deadLetters[0]!.reason]);

    // The verifier reports it: intact and signed, and failed.
    const out = captureOutput();
    expect(await runVerify({ paths: [r.dataDir], format: 'json', minCompleteness: 0 }, out.out)).toBe(1);
    const failed = (JSON.parse(out.stdout()) as VerifyReport).checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => [c.check_name, c.session_id])).toEqual([['session_seal', SESSIONS.deny]]);
    expect(failed[0]!.detail).toContain('quarantined by the assembler');
  });
});

describe('one writer per data directory', () => {
  it('a second writer is refused while the first holds the directory, and takes over once it is gone', async () => {
    const a = await open();
    await a.assembler.handle(deliveries(allowScenario()));
    await a.assembler.flush();
    const instance = await DuckDBInstance.create(':memory:');
    const db = await instance.connect();
    const signer = await loadSigner(a.keyDir);
    try {
      await expect(BundleStore.open(a.dataDir, db, { signer, lockTimeoutMs: 50 })).rejects.toBeInstanceOf(
        DataDirLockedError,
      );
      await a.store.close();
      const b = await BundleStore.open(a.dataDir, db, { signer, lockTimeoutMs: 50 });
      // It learned the first writer's bundles and seal from the segments.
      expect((await b.chain(SESSIONS.allow)).map((x) => x.actionId)).toEqual([CALL_ID]);
      expect(await b.seal(SESSIONS.allow)).not.toBeNull();
      await b.close();
    } finally {
      db.closeSync();
      instance.closeSync();
    }
  });
});

describe('runAssembler', () => {
  it('dead-letters rejected records before committing, and commits after each batch', async () => {
    const r = await open();
    const good = deliveries(allowScenario());
    const decision = good.find((d) => d.observation.kind === 'guard_decision')!.observation;
    const broken = { ...decision, attrs: { ...decision.attrs, 'proofline.obligations': '{"not":"a list"}' } };
    const bad: Delivery = {
      observation: { ...broken, id: observationId(broken) },
      partition: 0,
      offset: String(good.length),
    };
    const events: string[] = [];
    let closeSubscriber!: () => void;
    const closed = new Promise<void>((resolve) => (closeSubscriber = resolve));
    const subscriber: ObservationSubscriber = {
      run: async (onBatch) => {
        await onBatch([...good, bad]);
        r.clock.advance(SETTLE_MS);
        await onBatch([]);
        await closed;
      },
      commit: async (offsets) => {
        events.push(`commit ${JSON.stringify([...offsets])}`);
        if (events.filter((e) => e.startsWith('commit')).length === 2) await subscriber.close();
      },
      deadLetter: async (delivery, reason) => {
        events.push(`dead ${delivery.offset} ${reason}`);
      },
      lagging: () => new Set(),
      close: async () => closeSubscriber(),
    };
    await runAssembler(subscriber, r.assembler, { tickIntervalMs: 60_000 });
    expect(events).toEqual([
      `dead ${good.length} proofline.obligations is not a JSON array of {id, rule_id, duty, within_ms}`,
      'commit [[0,"0"]]',
      `commit [[0,"${good.length + 1}"]]`,
    ]);
    expect(await sessionFiles(r, SESSIONS.allow)).toContain(SEAL_FILE_NAME);
  });
});

function withoutEnd(observations: Observation[]): Observation[] {
  return observations.filter((o) => o.kind !== 'session_end');
}
