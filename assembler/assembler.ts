// The assembler's state machine, transport-agnostic: it takes delivered records, keeps per-session state,
// and decides when an action is bundled and a session sealed. Finalization rules (all times from the
// injected clock):
// - an action is ready once it has closure evidence and its session has been quiet for `settleMs`; a closure
//   that rests on an absence (a blocked call's non-execution proof) additionally waits for session_end,
//   because the runtime's telemetry (Codex's OTLP) arrives only at process shutdown;
// - a session is sealed `settleMs` after its last record once session_end has arrived, or after
//   `idleTimeoutMs` without records; its still-open actions are then bundled as they are (outcome unknown,
//   missing receipts named);
// - `flush()` finalizes everything now.
// Commit rule: per partition, the smallest offset still held by an unsealed session, else the next offset
// after the last one seen — so after a crash the transport redelivers exactly enough to rebuild every
// pending session, and the store (not memory) says which of its actions are already bundled.
// Memory: a session quiet for `settleMs` whose ready actions are bundled, and the least recently active sessions
// whenever those in memory hold more than `maxHeldRecords` records, are set aside on disk (spill.ts) and
// restored on their next record, or when a timer is due (then in groups of at most `maxHeldRecords` records).
// What stays in memory per set-aside session is a QuietSession: its timers, lowest offsets and a spill ticket.
// One session with more records than the cap is still held whole while it is finalized.
// Poison: a session the assembler cannot process (its records break an invariant, the store holds something
// else under its name) is quarantined — its records dead-lettered with the reason, later ones too — and every
// other session goes on. Failures that pass (a read-only or full disk, run.ts#isPassingFailure) are not the
// session's fault: they propagate, and the run loop retries the step.
import { setImmediate as yieldToRequests } from 'node:timers/promises';

import pino, { type Logger } from 'pino';

import type { SessionSeal, Verification } from '../schemas/bundle.js';
import { readDecisionObligations } from '../schemas/decision.js';
import type { Observation } from '../schemas/observation.js';
import type { Delivery, PartitionHandover, SessionHandoverState } from '../schemas/transport.js';
import { authorityByAction } from './authority.js';
import { actionStatement, buildActionProof } from './bundle.js';
import type { BundleStore, StoredBundle, StoredSeal } from './bundle-store.js';
import { isPassingFailure, isStoreFailure } from './passing-failure.js';
import { certifyAction, type ActionCertificate } from './checkpoints.js';
import { systemClock, type Clock } from './clock.js';
import { labelKey, SessionGraph, type Slice } from './graph.js';
import { ObligationLedger, sessionObligations } from './obligations.js';
import { buildSessionSeal, sealStatement, type SealInput } from './seal.js';
import { RecentSet } from './recent-set.js';
import { groupByAction, resolveActions, SessionState } from './session.js';
import type { SessionSpill, SpillTicket } from './spill.js';
import { signStatement, type Signer } from './sign.js';
import { verifyCertificate } from './verification.js';
import { byTimeThenId } from './time.js';

export type AssemblerLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface AssemblerOptions {
  store: BundleStore;
  signer: Signer;
  settleMs: number;
  idleTimeoutMs: number;
  assemblerVersion: string;
  /** Where quiet sessions wait out of memory (SessionSpill.open); without it every open session stays in memory. */
  spill?: SessionSpill;
  /** Records held in memory across open sessions before the least recently active ones are spilled. */
  maxHeldRecords?: number;
  clock?: Clock;
  logger?: AssemblerLogger;
  /** What the previous owners of a partition left for its sessions (Kafka, schemas/handover.ts); with it each
   * step reports the sessions whose chain it changed, for the next owner. */
  handover?: Pick<PartitionHandover, 'session'>;
  /** Runs after each step and before what it signed is written to the data directory (the handover state goes
   * to Kafka first, so a kill between the two loses nothing: schemas/handover.ts, `envelopes`). */
  beforeWrite?: (report: StepReport) => Promise<void>;
}

export interface DeadLetter {
  delivery: Delivery;
  reason: string;
}

/** What one call did; the caller dead-letters `deadLetters` before committing. */
export interface StepReport {
  bundled: (StoredBundle & { sessionId: string })[];
  sealed: StoredSeal[];
  deadLetters: DeadLetter[];
  /** The transparency log's new signed checkpoint, when the step sealed a session (to publish to witnesses). */
  checkpoint: string | null;
  /** With a handover: the sessions whose chain grew or that were sealed, as they are now. */
  handover: SessionHandoverState[];
}

export interface AssemblerStats {
  openSessions: number;
  /** Open sessions whose records are set aside on disk until their next record (included in openSessions). */
  spilledSessions: number;
  /** Sessions set aside because they could not be processed; their records went to the dead letters. */
  quarantined: number;
  received: number;
  duplicates: number;
  /** Records for an action already bundled, or for a session already sealed: kept out of the bundles. */
  late: number;
  deadLettered: number;
}

export interface Assembler {
  handle(deliveries: readonly Delivery[]): Promise<StepReport>;
  /** Bundles and seals what the timers call for, except in sessions on a `lagging` partition. */
  tick(lagging?: ReadonlySet<number>): Promise<StepReport>;
  flush(): Promise<StepReport>;
  /** Per partition, the offset to commit now (see the commit rule above). */
  committableOffsets(): Map<number, string>;
  /** Per partition, the offset after the highest one delivered so far (how far the assembler has read). */
  readOffsets(): Map<number, string>;
  /** Lets go of the partitions (they went to another assembler): their sessions leave memory unsealed. Only
   * between steps. */
  release(partitions: readonly number[]): void;
  stats(): AssemblerStats;
}

type SealReason = SessionSeal['reason'];

const SEALED_SESSIONS_REMEMBERED = 10_000;
export const DEFAULT_MAX_HELD_RECORDS = 20_000;

/** What stays in memory of an open session while its records are spilled: enough for its timers and the
 * commit rule, a constant size whatever it holds. */
interface QuietSession {
  sessionId: string;
  lastRecordAtMs: number;
  endedAtMs: number | null;
  readyChecked: boolean;
  partition: number | undefined;
  records: number;
  lowest: ReadonlyMap<number, bigint>;
  ticket: SpillTicket;
}

/** What a session's timers call for now: a seal (and why), a check for ready actions, or nothing. */
type Due = SealReason | 'ready_check' | null;

interface PendingAction {
  cert: ActionCertificate;
  memberIds: string[];
  firstTime: bigint;
}

function unreadableDecision(obs: Observation): string | undefined {
  if (obs.kind !== 'guard_decision') return undefined;
  try {
    readDecisionObligations(obs.attrs);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export function createAssembler(options: AssemblerOptions): Assembler {
  const { store, signer, settleMs, idleTimeoutMs, assemblerVersion } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: 'silent' });
  const { spill } = options;
  const maxHeldRecords = options.maxHeldRecords ?? DEFAULT_MAX_HELD_RECORDS;
  /** Open sessions in memory, least recently active first (re-inserted on every record). */
  const sessions = new Map<string, SessionState>();
  /** Open sessions set aside on disk. */
  const quiet = new Map<string, QuietSession>();
  /** Sessions known sealed, the most recent only: an older one is found sealed again in the store. */
  const sealedSessions = new RecentSet<string>(SEALED_SESSIONS_REMEMBERED);
  /** Highest offset seen per partition. */
  const seen = new Map<number, bigint>();
  const stats = { received: 0, duplicates: 0, late: 0, deadLettered: 0, quarantined: 0 };
  /** Why each quarantined session was set aside (most recent only, like sealedSessions). */
  const quarantined = new Map<string, string>();
  /** Quarantined sessions whose `quarantined` seal is not written yet. */
  const quarantineSeals = new Map<
    string,
    { reason: string; observations: Observation[]; partition: number | undefined }
  >();

  const emptyReport = (): StepReport => ({
    bundled: [],
    sealed: [],
    deadLetters: [],
    checkpoint: null,
    handover: [],
  });

  async function sessionFor(
    sessionId: string,
    partition: number,
    report: StepReport,
  ): Promise<SessionState | null> {
    if (sealedSessions.has(sessionId) || quarantined.has(sessionId)) return null;
    const open = sessions.get(sessionId);
    if (open) return open;
    const spilled = quiet.get(sessionId);
    if (spilled) return restore(spilled);
    const handed = options.handover?.session(partition, sessionId);
    if (handed !== undefined && handed.envelopes.length > 0) {
      // The previous owner died after handing these over and maybe before writing them: the same records here.
      const written = await store.rewrite(sessionId, handed.envelopes);
      report.bundled.push(...written.bundles.map((b) => ({ ...b, sessionId })));
      if (written.seal) report.sealed.push(written.seal);
    }
    if ((await store.seal(sessionId)) || (handed !== undefined && handed.sealed !== null)) {
      sealedSessions.add(sessionId);
      return null;
    }
    const chain = handed ? await store.adoptChain(sessionId, handed.chain) : await store.chain(sessionId);
    const state = new SessionState(
      sessionId,
      chain.map((b) => b.actionId),
      clock.nowMs(),
    );
    if (handed) state.lateRecords = handed.lateRecords;
    sessions.set(sessionId, state);
    return state;
  }

  async function restore(spilled: QuietSession): Promise<SessionState> {
    const held = await spill!.read(spilled.ticket);
    quiet.delete(spilled.sessionId);
    const session = SessionState.restore(spilled.sessionId, held, spilled);
    sessions.set(spilled.sessionId, session);
    return session;
  }

  /** Sets aside the sessions done with for now (quiet, their ready actions bundled), then the least recently
   * active until those in memory hold at most maxHeldRecords. A spill that cannot be written leaves the
   * session in memory: the cost is memory, never a record. */
  async function spillQuiet(): Promise<void> {
    if (spill === undefined) return;
    const now = clock.nowMs();
    let held = 0;
    const done: SessionState[] = [];
    for (const session of sessions.values()) {
      held += session.size;
      if (session.endedAtMs === null && now - session.lastRecordAtMs >= settleMs && session.isReadyChecked())
        done.push(session);
    }
    const evict = (session: SessionState) => {
      held -= session.size;
      return setAside(session);
    };
    try {
      for (const session of done) await evict(session);
      for (const session of sessions.values()) {
        if (held <= maxHeldRecords) break;
        await evict(session);
      }
    } catch (error) {
      logger.warn({ err: error }, 'could not set quiet sessions aside on disk: they stay in memory');
    }
  }

  async function setAside(session: SessionState): Promise<void> {
    const ticket = await spill!.write(session.held());
    sessions.delete(session.sessionId);
    store.forget(session.sessionId);
    quiet.set(session.sessionId, {
      sessionId: session.sessionId,
      lastRecordAtMs: session.lastRecordAtMs,
      endedAtMs: session.endedAtMs,
      readyChecked: session.isReadyChecked(),
      partition: session.partition,
      records: session.size,
      lowest: new Map(session.lowestOffsets()),
      ticket,
    });
  }

  async function handle(deliveries: readonly Delivery[]): Promise<StepReport> {
    const report = emptyReport();
    for (const delivery of deliveries) {
      const offset = BigInt(delivery.offset);
      const highest = seen.get(delivery.partition);
      if (highest === undefined || offset > highest) seen.set(delivery.partition, offset);
      stats.received += 1;
      const obs = delivery.observation;
      const quarantineReason = quarantined.get(obs.session_id);
      if (quarantineReason !== undefined) {
        deadLetter(report, delivery, quarantineReason);
        continue;
      }
      // The transport's gate (schemas/observation.ts) checked the record; what the assembler parses later for
      // the whole session is read once more here, so a record delivered around that gate cannot stop it.
      const unreadable = unreadableDecision(obs);
      if (unreadable !== undefined) {
        deadLetter(report, delivery, unreadable);
        continue;
      }
      // Read before (by this assembler before a restart, or the partition's previous owner): counted then.
      const seenBefore =
        offset < (options.handover?.session(delivery.partition, obs.session_id)?.readOffset ?? 0n);
      let session: SessionState | null;
      try {
        session = await sessionFor(obs.session_id, delivery.partition, report);
      } catch (error) {
        if (isPassingFailure(error) || isStoreFailure(error)) throw error;
        quarantine(obs.session_id, undefined, error, report, [obs], delivery.partition);
        deadLetter(report, delivery, quarantined.get(obs.session_id)!);
        continue;
      }
      if (session === null) {
        if (seenBefore) continue;
        stats.late += 1;
        logger.warn(
          { session_id: obs.session_id, observation: obs.id },
          'record for an already sealed session',
        );
        continue;
      }
      sessions.delete(obs.session_id);
      sessions.set(obs.session_id, session);
      if (!session.add(delivery, clock.nowMs())) {
        stats.duplicates += 1;
      } else if (!seenBefore && obs.action_id !== undefined && session.bundledActions.has(obs.action_id)) {
        // Kept for the seal's observation count, never re-bundled: a bundle, once signed, is final.
        stats.late += 1;
        session.lateRecords += 1;
        logger.warn(
          { session_id: obs.session_id, action_id: obs.action_id, observation: obs.id, kind: obs.kind },
          'late record for an action already bundled',
        );
      }
    }
    await sealQuarantined(report);
    await spillQuiet();
    return report;
  }

  function deadLetter(report: StepReport, delivery: Delivery, reason: string): void {
    stats.deadLettered += 1;
    report.deadLetters.push({ delivery, reason });
    logger.error({ partition: delivery.partition, offset: delivery.offset, reason }, 'record dead-lettered');
  }

  function dueByTimers(
    session: { lastRecordAtMs: number; endedAtMs: number | null; partition: number | undefined },
    readyChecked: boolean,
    now: number,
    lagging: ReadonlySet<number>,
  ): Due {
    // Quiet by the clock is not quiet while the session's partition has a backlog: its next records (an
    // output, a session_end) may be waiting there, and an agent that floods ingest could otherwise have its
    // actions bundled, or its session sealed, before they are read.
    if (session.partition !== undefined && lagging.has(session.partition)) return null;
    const quietFor = now - session.lastRecordAtMs;
    if (session.endedAtMs !== null && quietFor >= settleMs) return 'session_end';
    if (quietFor >= idleTimeoutMs) return 'idle_timeout';
    return quietFor >= settleMs && !readyChecked ? 'ready_check' : null;
  }

  async function tick(lagging: ReadonlySet<number> = new Set()): Promise<StepReport> {
    const now = clock.nowMs();
    // One group of spilled sessions per tick: what one step holds (and reports) stays bounded when thousands
    // of quiet sessions time out at once; the run loop ticks again after every batch and every interval.
    return finalizeDue(
      (session) => dueByTimers(session, session.isReadyChecked(), now, lagging),
      (spilled) => dueByTimers(spilled, spilled.readyChecked, now, lagging),
      1,
    );
  }

  async function flush(): Promise<StepReport> {
    return finalizeDue(
      () => 'flush',
      () => 'flush',
      Infinity,
    );
  }

  /** Finalizes what is due among the sessions in memory, then among the spilled ones, restoring them in up to
   * `groups` groups of at most maxHeldRecords records and setting each group aside again (or sealing it) before
   * the next. */
  async function finalizeDue(
    inMemory: (session: SessionState) => Due,
    spilled: (session: QuietSession) => Due,
    groups: number,
  ): Promise<StepReport> {
    const report = emptyReport();
    const merge = (step: StepReport) => {
      report.bundled.push(...step.bundled);
      report.sealed.push(...step.sealed);
      report.deadLetters.push(...step.deadLetters);
      report.handover.push(...step.handover);
    };
    merge(await finalizeGroup([...sessions.values()], inMemory));
    await spillQuiet();
    const due = [...quiet.values()].filter((session) => spilled(session) !== null);
    for (let left = groups; left > 0 && due.length > 0; left--) {
      const group: SessionState[] = [];
      let records = 0;
      while (due.length > 0 && (group.length === 0 || records + due[0]!.records <= maxHeldRecords)) {
        const next = due.shift()!;
        records += next.records;
        try {
          group.push(await restore(next));
        } catch (error) {
          if (isPassingFailure(error) || isStoreFailure(error)) throw error;
          quarantine(next.sessionId, undefined, error, report, [], next.lowest.keys().next().value);
        }
      }
      merge(await finalizeGroup(group, inMemory));
      await spillQuiet();
    }
    return report;
  }

  async function finalizeGroup(
    group: readonly SessionState[],
    dueOf: (session: SessionState) => Due,
  ): Promise<StepReport> {
    const closing = new Map<SessionState, SealReason>();
    const settled: SessionState[] = [];
    for (const session of group) {
      const due = dueOf(session);
      if (due === 'ready_check') {
        if (session.takeReadyCheck()) settled.push(session);
      } else if (due !== null) closing.set(session, due);
    }
    try {
      return await finalizeSessions(settled, closing);
    } catch (error) {
      for (const session of settled) session.returnReadyCheck();
      throw error;
    }
  }

  /** Bundles the ready actions of `settled` and every action of `closing`, then seals `closing`: all bundles
   * first, so their index rows are written in one transaction before the first seal needs them there. */
  async function finalizeSessions(
    settled: readonly SessionState[],
    closing: ReadonlyMap<SessionState, SealReason>,
  ): Promise<StepReport> {
    const report = emptyReport();
    const ordered = [...settled, ...closing.keys()].sort((a, b) =>
      a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0,
    );
    const failed = new Set<SessionState>();
    const isolated = async (session: SessionState, step: () => Promise<void>): Promise<void> => {
      if (failed.has(session)) return;
      try {
        await step();
      } catch (error) {
        if (isPassingFailure(error) || isStoreFailure(error)) throw error;
        failed.add(session);
        quarantine(session.sessionId, session, error, report);
      }
    };
    for (const session of ordered)
      await isolated(session, () => bundleActions(session, closing.get(session) ?? null, report));
    for (const session of ordered) {
      const reason = closing.get(session);
      if (reason !== undefined) await isolated(session, () => seal(session, reason, report));
    }
    await sealQuarantined(report);
    if (options.handover) report.handover.push(...(await handoverStates(ordered, report)));
    return report;
  }

  /** The state of each of `sessions` the step bundled or sealed something for, for the partition's next owner. */
  async function handoverStates(
    sessions: readonly SessionState[],
    report: StepReport,
  ): Promise<SessionHandoverState[]> {
    const sealed = new Map(report.sealed.map((s) => [s.sessionId, s]));
    const states: SessionHandoverState[] = [];
    for (const session of sessions) {
      const { sessionId } = session;
      const partition = session.lowestOffsets().keys().next().value;
      if (partition === undefined || quarantined.has(sessionId)) continue;
      const seal = sealed.get(sessionId);
      const written = [
        ...report.bundled.filter((b) => b.sessionId === sessionId),
        ...(seal === undefined ? [] : [seal]),
      ];
      if (written.length === 0) continue;
      const chain = seal === undefined ? await store.chain(sessionId) : [];
      states.push({
        sessionId,
        partition,
        chain: chain.map((b) => ({ actionId: b.actionId, digest: b.digest })),
        sealed: seal?.digest ?? null,
        lateRecords: session.lateRecords,
        envelopes: written.flatMap((record) => (record.text === undefined ? [] : [record.text])),
        readOffset: (seen.get(partition) ?? -1n) + 1n,
      });
    }
    return states;
  }

  /** Sets a session aside: its held records (and any that arrive later) go to the dead letters with the reason;
   * bundles it already has stay as they are, and no seal is made, so verification reports it unsealed. */
  function quarantine(
    sessionId: string,
    session: SessionState | undefined,
    error: unknown,
    report: StepReport,
    also: readonly Observation[] = [],
    partition: number | undefined = session?.lowestOffsets().keys().next().value,
  ): void {
    const reason = `session ${sessionId} quarantined: ${(error as Error).message}`;
    stats.quarantined += 1;
    quarantined.set(sessionId, reason);
    quiet.delete(sessionId);
    if (quarantined.size > SEALED_SESSIONS_REMEMBERED) quarantined.delete(quarantined.keys().next().value!);
    logger.error({ session_id: sessionId, err: error }, 'session quarantined');
    quarantineSeals.set(sessionId, {
      reason,
      observations: [...(session?.observations() ?? []), ...also],
      partition,
    });
    if (session === undefined) return;
    sessions.delete(sessionId);
    for (const record of session.remove(session.observations().map((o) => o.id))) {
      deadLetter(
        report,
        { observation: record.observation, partition: record.partition, offset: record.offset.toString() },
        reason,
      );
    }
  }

  async function seal(session: SessionState, reason: SealReason, report: StepReport): Promise<void> {
    await writeSeal(session.sessionId, session.observations(), reason, report, {
      lateRecords: session.lateRecords,
    });
    sessions.delete(session.sessionId);
    sealedSessions.add(session.sessionId);
  }

  async function writeSeal(
    sessionId: string,
    observations: readonly Observation[],
    reason: SealReason,
    report: StepReport,
    extra: Pick<SealInput, 'quarantineReason' | 'lateRecords'> = {},
  ): Promise<void> {
    const runtimeFamily = observations[0]?.runtime_family;
    if (runtimeFamily === undefined) return;
    const sealed = await store.writeSeal(sessionId, (chain) =>
      signStatement(
        sealStatement(
          buildSessionSeal({
            sessionId,
            runtimeFamily,
            bundleDigests: chain.map((b) => b.digest),
            observationIds: observations.map((o) => o.id),
            reason,
            assemblerVersion,
            signerKeyid: signer.keyid,
            insecureKey: signer.insecure,
            obligations: reason === 'quarantined' ? undefined : sessionObligations(observations),
            ...extra,
          }),
        ),
        signer,
      ),
    );
    report.sealed.push(sealed);
    logger.info({ session_id: sessionId, reason, bundles: sealed.count }, 'session sealed');
  }

  /** Seals each newly quarantined session with reason `quarantined`, so the signed evidence (and the
   * transparency log) says it is incomplete and why. A store that cannot write now is retried with the step;
   * one that refuses this session for good leaves it unsealed (verify reports that too) and the dead letters. */
  async function sealQuarantined(report: StepReport): Promise<void> {
    for (const [sessionId, set] of quarantineSeals) {
      try {
        await writeSeal(sessionId, set.observations, 'quarantined', report, { quarantineReason: set.reason });
        const seal = report.sealed.at(-1);
        if (options.handover && set.partition !== undefined && seal?.sessionId === sessionId)
          report.handover.push({
            sessionId,
            partition: set.partition,
            chain: [],
            sealed: seal.digest,
            lateRecords: 0,
            envelopes: seal.text === undefined ? [] : [seal.text],
            readOffset: (seen.get(set.partition) ?? -1n) + 1n,
          });
      } catch (error) {
        if (isPassingFailure(error) || isStoreFailure(error)) throw error;
        logger.error({ session_id: sessionId, err: error }, 'quarantined session could not be sealed');
      }
      quarantineSeals.delete(sessionId);
    }
  }

  /** `closingFor` null: only ready actions; otherwise every unbundled action, closed by that reason. */
  async function bundleActions(
    session: SessionState,
    closingFor: SealReason | null,
    report: StepReport,
  ): Promise<void> {
    const observations = session.observations();
    const actionOf = resolveActions(observations);
    const graph = new SessionGraph(observations, actionOf);
    const authority = authorityByAction(graph.timeline, actionOf);
    const obligations = new ObligationLedger(graph.timeline, actionOf);
    // Codex exports its own telemetry as it goes: once it has arrived for the session, an action closed only
    // by a hook waits for Codex's result record (its exit code), so that record does not come late.
    const runtimeReports = observations.some((o) => o.runtime_family === 'tool_hook' && o.source !== 'hook');
    const pending: PendingAction[] = [];
    for (const [actionId, members] of groupByAction(graph.timeline.ordered, actionOf)) {
      if (session.bundledActions.has(actionId)) continue;
      const memberIds = members.map((m) => m.id);
      try {
        const cert = certifyAction(session.sessionId, actionId, members, authority.get(actionId));
        const firstTime = graph.timeline.effectiveTime.get(memberIds[0]!)!;
        if (closingFor !== null || isReady(cert, session, runtimeReports))
          pending.push({ cert, memberIds, firstTime });
      } catch (error) {
        rejectAction(session, memberIds, `action ${actionId}: ${(error as Error).message}`, report);
      }
    }
    pending.sort((a, b) =>
      byTimeThenId({ time: a.firstTime, id: a.cert.actionId }, { time: b.firstTime, id: b.cert.actionId }),
    );
    for (const { cert, memberIds } of pending) {
      let slice: Slice;
      let verification: Verification;
      const owed = obligations.forAction(cert.actionId);
      try {
        slice = graph.backwardSlice(memberIds, session.listedNodes);
        verification = verifyCertificate(cert, closingFor, owed.checks);
      } catch (error) {
        rejectAction(session, memberIds, `action ${cert.actionId}: ${(error as Error).message}`, report);
        continue;
      }
      const { bundle, created } = await store.appendAction(session.sessionId, cert.actionId, (position) =>
        signStatement(
          actionStatement(
            buildActionProof(cert, slice, verification, owed.obligations, {
              ...position,
              assemblerVersion,
              signerKeyid: signer.keyid,
              insecureKey: signer.insecure,
            }),
          ),
          signer,
        ),
      );
      session.bundledActions.add(cert.actionId);
      // What this bundle lists: redelivered after a crash (not created), the stored bundle may list less, but
      // everything here is listed by it or by the bundles before it, so later slices may stop at any of it.
      for (const node of slice.nodes) session.listedNodes.set(node.id, labelKey(node.labels));
      // In `serve` the guard answers hooks on this thread: between one action's signing and the next, let
      // waiting requests through, so a long session's bundling does not stall every agent's next tool call.
      await yieldToRequests();
      if (created) {
        report.bundled.push({ ...bundle, sessionId: session.sessionId });
        logger.info(
          {
            session_id: session.sessionId,
            action_id: cert.actionId,
            sequence: bundle.sequence,
            rho: cert.completeness.rho,
          },
          'action bundled',
        );
      }
    }
  }

  // Absence of execution is only established once the runtime has flushed its telemetry (session end); a
  // runtime that reports its results itself is waited for until then too.
  function isReady(cert: ActionCertificate, session: SessionState, runtimeReports: boolean): boolean {
    const closed = cert.receipts.some((r) => r.checkpoint === 'closure' && r.status === 'present');
    const waits = cert.closureByAbsence || (cert.awaitsRuntimeResult && runtimeReports);
    return closed && (!waits || session.endedAtMs !== null);
  }

  function rejectAction(
    session: SessionState,
    memberIds: readonly string[],
    reason: string,
    report: StepReport,
  ): void {
    for (const record of session.remove(memberIds)) {
      deadLetter(
        report,
        { observation: record.observation, partition: record.partition, offset: record.offset.toString() },
        reason,
      );
    }
  }

  function readOffsets(): Map<number, string> {
    return new Map([...seen].map(([partition, highest]) => [partition, (highest + 1n).toString()]));
  }

  function release(partitions: readonly number[]): void {
    const lost = new Set(partitions);
    const onLost = (lowest: ReadonlyMap<number, bigint>) => [...lowest.keys()].some((p) => lost.has(p));
    for (const session of [...sessions.values()]) {
      if (!onLost(session.lowestOffsets())) continue;
      sessions.delete(session.sessionId);
      store.drop(session.sessionId);
    }
    for (const session of [...quiet.values()]) {
      if (!onLost(session.lowest)) continue;
      quiet.delete(session.sessionId);
      store.drop(session.sessionId);
      void spill!.drop(session.ticket).catch(() => undefined);
    }
    for (const partition of partitions) seen.delete(partition);
  }

  function committableOffsets(): Map<number, string> {
    const commit = readOffsets();
    const needed = new Map<number, bigint>();
    for (const session of [...sessions.values(), ...quiet.values()]) {
      const lowest = session instanceof SessionState ? session.lowestOffsets() : session.lowest;
      for (const [partition, offset] of lowest) {
        const current = needed.get(partition);
        if (current === undefined || offset < current) needed.set(partition, offset);
      }
    }
    for (const [partition, offset] of needed) commit.set(partition, offset.toString());
    return commit;
  }

  // One step at a time, whoever calls: a flush from the CLI must not interleave with a batch or a timer tick.
  let running: Promise<unknown> = Promise.resolve();
  // What a step stages in the store is made durable together when the step ends (one segment write).
  const exclusive =
    <A extends unknown[]>(step: (...args: A) => Promise<StepReport>) =>
    (...args: A): Promise<StepReport> => {
      const result = running.then(async () => {
        const { result: report, checkpoint } = await store.inBatch(() => step(...args), options.beforeWrite);
        return { ...report, checkpoint };
      });
      running = result.catch(() => undefined);
      return result;
    };

  return {
    handle: exclusive(handle),
    tick: exclusive(tick),
    flush: exclusive(flush),
    committableOffsets,
    readOffsets,
    release,
    stats: () => ({ openSessions: sessions.size + quiet.size, spilledSessions: quiet.size, ...stats }),
  };
}
