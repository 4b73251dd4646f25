// What the guard knows of a session's past: the labels and data classes of its earlier actions that were
// allowed to run (their decisions said so: `cat .env` → `secret_read`, `dotenv`), the files they wrote from a
// secret (`cat .env > /tmp/p`: a later `curl -T /tmp/p` sends it), and the obligations they left open. It is passed as `GuardRequest.session` on every decision, so "nothing leaves the machine after a secret
// read" is a lookup.
//
// Per-receiver-process state, in memory: a restart, or a session served by another receiver, starts from an
// empty ancestry (the assembler's dependency graph stays the record; this is only what the guard decides on).
// Memory is bounded: the least recently used sessions are forgotten beyond `maxSessions`, and a session keeps
// at most `maxOpenObligations` open obligations (the oldest are dropped first; the assembler, not this
// tracker, decides whether an obligation was met, from the recorded attributes).
import type { OpenObligation } from '../../policy/engine/index.js';
import { mergeTaintedFiles } from '../../policy/externality/flow.js';
import type { SessionContext } from '../../schemas/guard.js';

export interface SessionContextLimits {
  maxSessions: number;
  maxOpenObligations: number;
}

export const DEFAULT_SESSION_CONTEXT_LIMITS: SessionContextLimits = {
  maxSessions: 10_000,
  maxOpenObligations: 256,
};

/** What one decided action adds to, and settles in, its session. */
export interface SessionUpdate {
  /** Labels and data classes of an action that was allowed to run. */
  labels: readonly string[];
  data_classes: readonly string[];
  /** Files the action wrote from a secret, with its classes. */
  tainted_writes?: Readonly<Record<string, readonly string[]>>;
  opened: readonly OpenObligation[];
  /** Ids of obligations discharged or waived. */
  settled: readonly string[];
}

interface SessionState {
  labels: Set<string>;
  dataClasses: Set<string>;
  taintedFiles: Record<string, string[]>;
  /** Insertion order is creation order, so the oldest is dropped first. */
  open: Map<string, OpenObligation>;
}

export class SessionContexts {
  // A Map iterates in insertion order; re-inserting on every touch makes its first key the least recently used.
  private readonly sessions = new Map<string, SessionState>();

  constructor(private readonly limits: SessionContextLimits = DEFAULT_SESSION_CONTEXT_LIMITS) {}

  /** The session's ancestry; a session never seen has an empty one (known to be clean, not unknown). */
  ancestry(sessionId: string): SessionContext {
    const state = this.touch(sessionId, false);
    const tainted = state?.taintedFiles ?? {};
    return {
      labels: [...(state?.labels ?? [])].sort(),
      data_classes: [...(state?.dataClasses ?? [])].sort(),
      ...(Object.keys(tainted).length > 0 ? { tainted_files: tainted } : {}),
    };
  }

  openObligations(sessionId: string): OpenObligation[] {
    return [...(this.touch(sessionId, false)?.open.values() ?? [])];
  }

  record(sessionId: string, update: SessionUpdate): void {
    const state = this.touch(sessionId, true);
    for (const label of update.labels) state.labels.add(label);
    for (const dataClass of update.data_classes) state.dataClasses.add(dataClass);
    if (update.tainted_writes !== undefined)
      state.taintedFiles = mergeTaintedFiles(state.taintedFiles, update.tainted_writes);
    for (const id of update.settled) state.open.delete(id);
    for (const obligation of update.opened) state.open.set(obligation.id, obligation);
    for (const id of state.open.keys()) {
      if (state.open.size <= this.limits.maxOpenObligations) break;
      state.open.delete(id);
    }
  }

  get size(): number {
    return this.sessions.size;
  }

  private touch(sessionId: string, create: true): SessionState;
  private touch(sessionId: string, create: false): SessionState | undefined;
  private touch(sessionId: string, create: boolean): SessionState | undefined {
    let state = this.sessions.get(sessionId);
    if (state) this.sessions.delete(sessionId);
    else if (create) state = { labels: new Set(), dataClasses: new Set(), taintedFiles: {}, open: new Map() };
    if (state === undefined) return undefined;
    this.sessions.set(sessionId, state);
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.limits.maxSessions) break;
      this.sessions.delete(oldest);
    }
    return state;
  }
}
