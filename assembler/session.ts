// What the assembler holds for one session while it is open and in memory: every record received (deduplicated
// by observation id, with where it sits in the transport log so commits can be held back for it), the clock of
// its last activity, and which of its actions are already bundled. A quiet session's records and bundled
// actions are set aside on disk (spill.ts) and restored from there on its next record.
import { approvalRuleId } from '../schemas/decision.js';
import type { Observation } from '../schemas/observation.js';
import type { Delivery } from '../schemas/transport.js';
import { ATTR } from '../schemas/attributes.js';

export interface HeldRecord {
  observation: Observation;
  partition: number;
  offset: bigint;
}

export class SessionState {
  private readonly records = new Map<string, HeldRecord>();
  /** Smallest offset held per partition, kept as records come and go (the commit rule asks after every step). */
  private readonly lowest = new Map<number, bigint>();
  /** Bumped whenever the held records or the end change: everything a bundling decision depends on. */
  private revision = 0;
  private readyCheckedAt = -1;
  /** Assembler clock (ms) of the last record received. */
  lastRecordAtMs: number;
  /** Assembler clock (ms) at which a session_end record arrived; null while the session is running. */
  endedAtMs: number | null = null;
  /** The transport partition its records come from (one per session: they are keyed by session id). */
  partition: number | undefined;
  /** Actions with a bundle in the store (read from it when the session is opened, then kept up to date). */
  readonly bundledActions: Set<string>;
  /** Nodes the session's bundles made by this process list, id → labelKey (graph.ts): a later slice stops at
   * them. Empty after a restart or a handover, when the next bundle lists its whole slice again. */
  readonly listedNodes = new Map<string, string>();
  /** Records that arrived for an action already bundled (the seal reports them: schemas/bundle.ts#SessionSeal). */
  lateRecords = 0;

  constructor(
    readonly sessionId: string,
    bundledActions: Iterable<string>,
    nowMs: number,
  ) {
    this.bundledActions = new Set(bundledActions);
    this.lastRecordAtMs = nowMs;
  }

  /** A session brought back from the spill, its timers and ready check as they were when it was set aside. */
  static restore(
    sessionId: string,
    held: {
      records: readonly HeldRecord[];
      bundledActions: Iterable<string>;
      listedNodes: Iterable<[string, string]>;
    },
    was: {
      lastRecordAtMs: number;
      endedAtMs: number | null;
      readyChecked: boolean;
      partition: number | undefined;
    },
  ): SessionState {
    const session = new SessionState(sessionId, held.bundledActions, was.lastRecordAtMs);
    session.partition = was.partition;
    for (const [id, key] of held.listedNodes) session.listedNodes.set(id, key);
    for (const record of held.records) {
      session.records.set(record.observation.id, record);
      session.noteOffset(record.partition, record.offset);
    }
    session.endedAtMs = was.endedAtMs;
    if (was.readyChecked) session.readyCheckedAt = session.revision;
    return session;
  }

  /** How many records it holds. */
  get size(): number {
    return this.records.size;
  }

  /** Everything it holds, for the spill. */
  held(): { records: HeldRecord[]; bundledActions: string[]; listedNodes: [string, string][] } {
    return {
      records: [...this.records.values()],
      bundledActions: [...this.bundledActions],
      listedNodes: [...this.listedNodes],
    };
  }

  /** Its ready actions were derived after its last change: nothing is ready until it changes or closes. */
  isReadyChecked(): boolean {
    return this.readyCheckedAt === this.revision;
  }

  /** False when the record is a re-delivery of one already held. */
  add(delivery: Delivery, nowMs: number): boolean {
    const { observation } = delivery;
    this.lastRecordAtMs = nowMs;
    this.partition = delivery.partition;
    if (this.records.has(observation.id)) return false;
    const offset = BigInt(delivery.offset);
    this.records.set(observation.id, { observation, partition: delivery.partition, offset });
    this.noteOffset(delivery.partition, offset);
    if (observation.kind === 'session_end' && this.endedAtMs === null) this.endedAtMs = nowMs;
    this.revision += 1;
    return true;
  }

  /** True once after each change: a quiet session's ready actions can only differ after its records changed,
   * so re-deriving them on every tick in between would find the same nothing. */
  takeReadyCheck(): boolean {
    if (this.readyCheckedAt === this.revision) return false;
    this.readyCheckedAt = this.revision;
    return true;
  }

  /** The check taken did not get to run (the step failed and will be retried): the next tick checks again. */
  returnReadyCheck(): void {
    this.readyCheckedAt = -1;
  }

  /** Drop records that could not be processed (they were dead-lettered). */
  remove(ids: Iterable<string>): HeldRecord[] {
    const removed: HeldRecord[] = [];
    for (const id of ids) {
      const record = this.records.get(id);
      if (record && this.records.delete(id)) removed.push(record);
    }
    if (removed.length > 0) {
      this.revision += 1;
      this.lowest.clear();
      for (const { partition, offset } of this.records.values()) this.noteOffset(partition, offset);
    }
    return removed;
  }

  private noteOffset(partition: number, offset: bigint): void {
    const current = this.lowest.get(partition);
    if (current === undefined || offset < current) this.lowest.set(partition, offset);
  }

  /** Sorted by id, so everything derived from them is independent of arrival order. */
  observations(): Observation[] {
    return [...this.records.values()]
      .map((r) => r.observation)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Smallest offset held per partition: what must be redelivered to rebuild this session after a crash. */
  lowestOffsets(): ReadonlyMap<number, bigint> {
    return this.lowest;
  }
}

/**
 * Which action each observation belongs to: its own action_id, or — for approvals that carry none — the call
 * `proofline approve`'s grant was for (by `proofline.approval.id`), else (Codex's PermissionRequest hook has no
 * tool_use_id) the action in the same turn whose records carry the same
 * `proofline.input.digest`. When several calls in a turn ran the same command, the approval goes to the
 * first call (by action id) that has not been joined an approval yet; the join is by content, so arrival order cannot change it.
 */
export function resolveActions(observations: readonly Observation[]): Map<string, string> {
  const actionOf = new Map<string, string>();
  // Per join key, the calls that carry it: a set (a turn can repeat one command thousands of times, and a
  // list searched on every record made that quadratic), sorted once when an approval first asks for it, with
  // a cursor past the calls already joined (which only ever grow).
  const candidates = new Map<string, Set<string>>();
  const sortedCandidates = new Map<string, { actions: string[]; next: number }>();
  const joined = new Set<string>();
  for (const obs of observations) {
    if (obs.action_id === undefined) continue;
    actionOf.set(obs.id, obs.action_id);
    const key = joinKey(obs);
    if (key === undefined) continue;
    const set = candidates.get(key);
    if (set === undefined) candidates.set(key, new Set([obs.action_id]));
    else set.add(obs.action_id);
  }
  const byApprovalId = actionsByApprovalId(observations);
  for (const obs of observations) {
    if (obs.action_id !== undefined || obs.kind !== 'approval') continue;
    const granted = byApprovalId.get(String(obs.attrs[ATTR.approvalId]));
    if (granted !== undefined) {
      actionOf.set(obs.id, granted);
      continue;
    }
    const key = joinKey(obs);
    if (key === undefined || !candidates.has(key)) continue;
    let matches = sortedCandidates.get(key);
    if (matches === undefined) {
      matches = { actions: [...candidates.get(key)!].sort(), next: 0 };
      sortedCandidates.set(key, matches);
    }
    while (matches.next < matches.actions.length && joined.has(matches.actions[matches.next]!))
      matches.next += 1;
    // The first call not joined yet, else (all are) the first.
    const target = matches.actions[matches.next] ?? matches.actions[0]!;
    actionOf.set(obs.id, target);
    joined.add(target);
  }
  return actionOf;
}

/** `proofline approve`'s answer belongs to the call its grant was asked for: the one whose decision let it
 * through under the grant (a runtime that retries under a new call id), else the gated call itself. */
function actionsByApprovalId(observations: readonly Observation[]): Map<string, string> {
  const byId = new Map<string, string>();
  for (const obs of observations) {
    const id = obs.attrs[ATTR.approvalId];
    if (obs.kind !== 'guard_decision' || obs.action_id === undefined || typeof id !== 'string') continue;
    const lifted = obs.attrs[ATTR.rule] === approvalRuleId(id);
    if (lifted || !byId.has(id)) byId.set(id, obs.action_id);
  }
  return byId;
}

function joinKey(obs: Observation): string | undefined {
  const digest = obs.attrs[ATTR.inputDigest];
  if (obs.turn_id === undefined || typeof digest !== 'string') return undefined;
  return `${obs.turn_id}\u0000${digest}`;
}

/** Observations grouped by resolved action, each group sorted by id. */
export function groupByAction(
  observations: readonly Observation[],
  actionOf: ReadonlyMap<string, string>,
): Map<string, Observation[]> {
  const groups = new Map<string, Observation[]>();
  for (const obs of observations) {
    const action = actionOf.get(obs.id);
    if (action === undefined) continue;
    const group = groups.get(action);
    if (group) group.push(obs);
    else groups.set(action, [obs]);
  }
  return groups;
}
