// Quiet open sessions set aside on disk (assembler/spill.ts) and restored: the bundles and the seal must be
// byte for byte those of an assembler that held everything in memory, the commit rule must still hold back for
// the records on disk, and a spill altered or removed behind the assembler's back must quarantine the session.
import { readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { SPILL_DIR } from '../../assembler/spill.js';
import type { SessionSeal } from '../../schemas/bundle.js';
import { merkleRoot } from '../../schemas/merkle.js';
import type { Observation } from '../../schemas/observation.js';
import {
  IDLE_MS,
  rig,
  sessionRecords,
  SETTLE_MS,
  statementOf,
  type Rig,
  type RigOptions,
} from './harness.js';
import { allowScenario, deliveries, denyScenario, SESSIONS, untrustedScenario } from './scenarios.js';

const rigs: Rig[] = [];
async function open(options: RigOptions = {}): Promise<Rig> {
  const r = await rig(options);
  rigs.push(r);
  return r;
}
afterEach(async () => {
  for (const r of rigs.reverse()) await r.close();
  rigs.length = 0;
});

const spillFiles = (r: Rig) => readdir(join(r.dataDir, SPILL_DIR));

/** The allow session in two halves (the first call's records, then the rest), the others whole. */
function workload(): { first: Observation[]; rest: Observation[]; others: Observation[] } {
  const allow = allowScenario();
  const half = Math.ceil(allow.length / 2);
  return {
    first: allow.slice(0, half),
    rest: allow.slice(half),
    others: [...denyScenario(), ...untrustedScenario()],
  };
}

describe('sessions set aside on disk', () => {
  it('a session evicted from memory and continued later gets the bundles and seal of one never evicted', async () => {
    const spilling = await open({ maxHeldRecords: 1 });
    const holding = await open({ keyDir: spilling.keyDir, spill: false });
    const { first, rest, others } = workload();
    for (const r of [spilling, holding]) {
      await r.assembler.handle(deliveries(first, 0));
      await r.assembler.handle(deliveries(others, 100));
      expect(r.assembler.stats().spilledSessions).toBe(r === spilling ? 3 : 0);
      // A tick restores one group of spilled sessions (one session, at this cap): three ticks reach all three.
      const ticks = async () => {
        for (let i = 0; i < 3; i++) await r.assembler.tick();
      };
      r.clock.advance(SETTLE_MS);
      await ticks();
      await r.assembler.handle(deliveries(rest, 200));
      r.clock.advance(SETTLE_MS);
      await ticks();
      await r.assembler.flush();
    }
    const sealed = (r: Rig) => r.assembler.stats().openSessions === 0;
    expect(sealed(spilling) && sealed(holding)).toBe(true);

    for (const session of [SESSIONS.allow, SESSIONS.deny, SESSIONS.untrusted]) {
      const spilled = await sessionRecords(spilling.dataDir, session);
      const held = await sessionRecords(holding.dataDir, session);
      expect(spilled.length).toBeGreaterThan(1);
      expect(spilled.map((f) => f.text)).toEqual(held.map((f) => f.text));
    }
    const seal = statementOf<SessionSeal>(
      (await sessionRecords(spilling.dataDir, SESSIONS.allow)).at(-1)!.payload,
    ).predicate;
    const all = [...first, ...rest];
    expect(seal.observations).toEqual({
      count: all.length,
      merkle_root: merkleRoot(all.map((o) => o.id).sort()),
    });
    expect(await spillFiles(spilling)).toEqual([]);
  });

  it('holds only the cap in memory, and the commit rule still waits for the records on disk', async () => {
    const r = await open({ maxHeldRecords: 1 });
    const { first, others } = workload();
    await r.assembler.handle(deliveries(first, 0));
    await r.assembler.handle(deliveries(others, 100));
    expect(r.assembler.stats()).toMatchObject({ openSessions: 3, spilledSessions: 3 });
    expect(await spillFiles(r)).toHaveLength(3);
    expect(r.assembler.committableOffsets()).toEqual(new Map([[0, '0']]));
  });

  it('a session stays open and unsealed while set aside, and is sealed from disk when its timer is due', async () => {
    const r = await open();
    const { first } = workload();
    await r.assembler.handle(deliveries(first, 0));
    r.clock.advance(SETTLE_MS);
    await r.assembler.tick(); // quiet, its ready actions bundled: set aside
    expect(r.assembler.stats()).toMatchObject({ openSessions: 1, spilledSessions: 1 });
    const flushed = await r.assembler.flush();
    expect(flushed.sealed.map((s) => [s.sessionId, s.seal!.observations.count])).toEqual([
      [SESSIONS.allow, first.length],
    ]);
    expect(r.assembler.committableOffsets()).toEqual(new Map([[0, String(first.length)]]));
  });

  it('a tick restores one group of spilled sessions, so sessions timing out together are sealed over ticks', async () => {
    const r = await open({ maxHeldRecords: 1 });
    const { first, others } = workload();
    await r.assembler.handle(deliveries(first, 0));
    await r.assembler.handle(deliveries(others, 100));
    r.clock.advance(IDLE_MS);
    const sealed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const report = await r.assembler.tick();
      expect(report.sealed).toHaveLength(1);
      sealed.push(report.sealed[0]!.sessionId);
    }
    expect(sealed.sort()).toEqual([SESSIONS.allow, SESSIONS.deny, SESSIONS.untrusted].sort());
    expect(r.assembler.stats()).toMatchObject({ openSessions: 0, spilledSessions: 0 });
  });

  it('never writes through a file planted where the next spill goes: that session stays in memory', async () => {
    const r = await open({ maxHeldRecords: 1 });
    const { first, rest } = workload();
    const target = join(r.dataDir, 'not-the-spill');
    await writeFile(target, 'untouched');
    await symlink(target, join(r.dataDir, SPILL_DIR, '0.json.gz'));
    await r.assembler.handle(deliveries(first, 0));
    expect(r.assembler.stats()).toMatchObject({ openSessions: 1, spilledSessions: 0 });
    expect(await readFile(target, 'utf8')).toBe('untouched');
    await r.assembler.handle(deliveries(rest, 100));
    const flushed = await r.assembler.flush();
    expect(flushed.sealed.map((s) => s.seal!.observations.count)).toEqual([first.length + rest.length]);
  });

  for (const [what, tamper] of [
    ['altered', (path: string) => writeFile(path, 'rewritten by someone else')],
    ['removed', (path: string) => rm(path)],
  ] as const) {
    it(`a spill ${what} behind the assembler's back quarantines its session, and the others go on`, async () => {
      const r = await open({ maxHeldRecords: 1 });
      const { first, rest, others } = workload();
      await r.assembler.handle(deliveries(first, 0));
      await r.assembler.handle(deliveries(others, 100));
      // The first spill written is the allow session's (the least recently active).
      await tamper(join(r.dataDir, SPILL_DIR, '0.json.gz'));
      const report = await r.assembler.handle(deliveries(rest, 200));
      const reason = `session ${SESSIONS.allow} quarantined: its records, set aside on disk while it was quiet, were ${what}`;
      expect(report.deadLetters.map((d) => d.reason)).toEqual(rest.map(() => reason));
      expect(report.sealed.map((s) => [s.sessionId, s.seal!.reason])).toEqual([
        [SESSIONS.allow, 'quarantined'],
      ]);
      const flushed = await r.assembler.flush();
      expect(flushed.sealed.map((s) => s.sessionId).sort()).toEqual(
        [SESSIONS.deny, SESSIONS.untrusted].sort(),
      );
    });
  }
});
