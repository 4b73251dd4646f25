// A session handed over between two assemblers with their own data directories and keys (what the Kafka
// handover topic carries, kept here in a Map: transport/kafka-handover.ts is tested against a real broker in
// test/kafka and test/kafka-e2e). The second goes on with the chain the first began, the records redelivered
// to it are not "late", a session the first sealed is not sealed again, and `verify` over both directories
// passes.
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { actionBundleFileName } from '../../schemas/bundle.js';
import { TransportUnavailableError, type SessionHandoverState } from '../../schemas/transport.js';
import { runVerify, type VerifyReport } from '../../verifier/verify-command.js';
import { captureOutput } from '../e2e/support.js';
import { GuardedSession } from './guarded-session.js';
import { IDLE_MS, rig, sessionRecords, SETTLE_MS, type Rig } from './harness.js';
import { deliveries } from './scenarios.js';

/** The handover topic's latest record per session, as a Map. `orphaned`: the previous owner left without a
 * release (KafkaHandover then hands the step's signed records over too). */
class Board {
  readonly states = new Map<string, SessionHandoverState>();
  orphaned = false;
  record(states: readonly SessionHandoverState[]): void {
    for (const state of states) this.states.set(state.sessionId, state);
  }
  session(partition: number, sessionId: string) {
    const state = this.states.get(sessionId);
    if (state?.partition !== partition) return undefined;
    return { ...state, envelopes: this.orphaned ? state.envelopes : [] };
  }
}

const rigs: Rig[] = [];
async function open(board: Board): Promise<Rig> {
  const made = await rig({ handover: board, spill: false });
  rigs.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.close()));
});

async function verify(dirs: string[]): Promise<{ exitCode: number; failed: string[] }> {
  const output = captureOutput();
  const exitCode = await runVerify({ paths: dirs, minCompleteness: 0, format: 'json' }, output.out);
  const report = JSON.parse(output.stdout()) as VerifyReport;
  return {
    exitCode,
    failed: report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.check_name}: ${c.detail}`),
  };
}

describe('handing a session over', () => {
  it('the next owner continues the chain, counts nothing redelivered as late, and seals once', async () => {
    const board = new Board();
    const session = new GuardedSession('handed-over', '2026-01-01T00:00:00Z').call('a', 1).call('b', 2);
    const first = await open(board);
    const early = deliveries(session.records, 0, 3);
    await first.assembler.handle(early);
    first.clock.advance(SETTLE_MS);
    const step = await first.assembler.tick();
    expect(step.bundled.map((b) => b.actionId)).toEqual(['a', 'b']);
    expect(step.handover).toEqual([
      {
        sessionId: 'handed-over',
        partition: 3,
        chain: step.bundled.map((b) => ({ actionId: b.actionId, digest: b.digest })),
        sealed: null,
        lateRecords: 0,
        readOffset: BigInt(early.length),
        envelopes: step.bundled.map((b) => b.text),
      },
    ]);
    board.record(step.handover);
    first.assembler.release([3]);
    expect(first.assembler.stats().openSessions).toBe(0);
    expect(first.assembler.committableOffsets().has(3)).toBe(false);

    // The next owner reads the partition again from the committed offset (0), then what came since.
    const second = await open(board);
    session.call('c', 3).end(4);
    await second.assembler.handle(deliveries(session.records, 0, 3));
    second.clock.advance(SETTLE_MS);
    const last = await second.assembler.tick();
    expect(last.bundled.map((b) => [b.sequence, b.actionId])).toEqual([[2, 'c']]);
    expect(last.sealed.map((s) => s.count)).toEqual([3]);
    expect(second.assembler.stats().late).toBe(0);
    expect(last.handover.map((s) => [s.sealed, s.chain])).toEqual([[last.sealed[0]!.digest, []]]);
    board.record(last.handover);

    // A third owner that gets the records again seals nothing: the board says sealed.
    const third = await open(board);
    await third.assembler.handle(deliveries(session.records, 0, 3));
    third.clock.advance(IDLE_MS);
    const none = await third.assembler.tick();
    expect([none.bundled, none.sealed]).toEqual([[], []]);
    expect(third.assembler.stats()).toMatchObject({ openSessions: 0, late: 0 });

    expect(await verify([first.dataDir, second.dataDir])).toEqual({ exitCode: 0, failed: [] });
    // Either directory alone is half a chain, and says so.
    expect((await verify([second.dataDir])).failed.join('\n')).toMatch(/session_chain/);
  });

  it('a session whose partition was lost is neither bundled nor sealed by the old owner any more', async () => {
    const board = new Board();
    const session = new GuardedSession('moved', '2026-01-01T00:00:00Z').call('a', 1).end(2);
    const owner = await open(board);
    await owner.assembler.handle(deliveries(session.records, 0, 1));
    owner.assembler.release([1]);
    owner.clock.advance(IDLE_MS);
    const step = await owner.assembler.flush();
    expect([step.bundled, step.sealed, step.handover]).toEqual([[], [], []]);
  });

  it.each([
    ['killed after handing its last step over and before writing it', true],
    ['killed just after writing its last step', false],
  ])(
    'the records of an owner %s are written by the next owner as they were signed, once',
    async (_, lostWrite) => {
      const board = new Board();
      const session = new GuardedSession('orphaned', '2026-01-01T00:00:00Z').call('a', 1).call('b', 2);
      const first = await open(board);
      await first.assembler.handle(deliveries(session.records, 0, 5));
      // What its data directory holds before the step that bundles a and b: all that survives a lost write.
      const before = join(await mkdtemp(join(tmpdir(), 'proofline-handover-')), 'data');
      await cp(first.dataDir, before, { recursive: true });
      first.clock.advance(SETTLE_MS);
      const step = await first.assembler.tick();
      board.record(step.handover);
      const signed = step.bundled.map((b) => b.text);
      expect(signed).toHaveLength(2);
      const firstDir = lostWrite ? before : first.dataDir;

      board.orphaned = true;
      const second = await open(board);
      session.call('c', 3).end(4);
      const redelivered = await second.assembler.handle(deliveries(session.records, 0, 5));
      // The same bytes, not a new signature: an Ed25519 signature over another timestamp would fork the chain.
      expect(redelivered.bundled.map((b) => b.text)).toEqual(signed);
      second.clock.advance(SETTLE_MS);
      const last = await second.assembler.tick();
      expect(last.bundled.map((b) => [b.sequence, b.actionId])).toEqual([[2, 'c']]);
      expect(last.sealed.map((s) => s.count)).toEqual([3]);

      const held = async (dir: string) => (await sessionRecords(dir, 'orphaned')).map((r) => r.text);
      expect(await held(second.dataDir)).toEqual(expect.arrayContaining(signed));
      expect(await held(firstDir)).toEqual(lostWrite ? [] : signed);
      expect(await verify([firstDir, second.dataDir])).toEqual({ exitCode: 0, failed: [] });
    },
  );

  it('writes nothing a step signed until its handover state is on Kafka', async () => {
    const board = new Board();
    let kafkaAway = false;
    const made = await rig({
      handover: board,
      spill: false,
      beforeWrite: async (report) => {
        if (kafkaAway) throw new TransportUnavailableError('kafka away');
        board.record(report.handover);
      },
    });
    rigs.push(made);
    const session = new GuardedSession('written-after', '2026-01-01T00:00:00Z').call('a', 1);
    await made.assembler.handle(deliveries(session.records, 0, 0));
    kafkaAway = true;
    made.clock.advance(SETTLE_MS);
    await expect(made.assembler.tick()).rejects.toThrow(/kafka away/);
    // Signed and staged, not written: a kill now leaves nothing that the next owner would not redo alike.
    expect(await sessionRecords(made.dataDir, 'written-after')).toEqual([]);
    kafkaAway = false;
    await made.assembler.tick();
    expect((await sessionRecords(made.dataDir, 'written-after')).map((r) => r.name)).toEqual([
      actionBundleFileName(0, 'a'),
    ]);
  });
});
