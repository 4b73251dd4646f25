// The order in which a session's observations happened. Runtime records carry event times; hook records
// carry "0" (hook stdin has no clock), so each is anchored to the nearest thing it is known to belong to:
// its action, else its turn, else the session, taking the start of that span for things that happen before
// a tool runs and the end for things that happen after. Ties are broken by the semantic order of the Codex
// lifecycle (session start → prompt → model request → proposal → guard → assumption → approval → start →
// result → turn end → session end), then by id, so the order is a pure function of the observation set.
import type { Observation, ObservationKind } from '../schemas/observation.js';
import { isRuntimeTime } from './time.js';

const SEMANTIC_RANK: Record<ObservationKind, number> = {
  session_start: 0,
  config: 1,
  prompt: 2,
  model_request: 3,
  tool_proposed: 4,
  guard_decision: 5,
  assumption: 6,
  approval: 7,
  tool_started: 8,
  tool_result: 9,
  other: 10,
  turn_end: 11,
  session_end: 12,
};

/** Kinds that close a span of activity: anchored to its end rather than its start. */
const CLOSING_KINDS: ReadonlySet<ObservationKind> = new Set([
  'tool_result',
  'turn_end',
  'session_end',
  'other',
]);

interface TimeRange {
  min: bigint;
  max: bigint;
}

export interface Timeline {
  /** Observations in the order they happened. */
  readonly ordered: readonly Observation[];
  /** Event time used for ordering: the runtime's own, or the anchor's for hook records. */
  readonly effectiveTime: ReadonlyMap<string, bigint>;
}

export function buildTimeline(
  observations: readonly Observation[],
  actionOf: ReadonlyMap<string, string>,
): Timeline {
  const byAction = new Map<string, TimeRange>();
  const byTurn = new Map<string, TimeRange>();
  let session: TimeRange | undefined;
  const turnOfAction = new Map<string, string>();
  for (const obs of observations) {
    const action = actionOf.get(obs.id);
    if (action !== undefined && obs.turn_id !== undefined) turnOfAction.set(action, obs.turn_id);
  }
  for (const obs of observations) {
    if (!isRuntimeTime(obs.time_unix_nano)) continue;
    const time = BigInt(obs.time_unix_nano);
    const action = actionOf.get(obs.id);
    if (action !== undefined) widen(byAction, action, time);
    const turn = obs.turn_id ?? (action !== undefined ? turnOfAction.get(action) : undefined);
    if (turn !== undefined) widen(byTurn, turn, time);
    session = session
      ? { min: min(session.min, time), max: max(session.max, time) }
      : { min: time, max: time };
  }

  const effectiveTime = new Map<string, bigint>();
  for (const obs of observations) {
    if (isRuntimeTime(obs.time_unix_nano)) {
      effectiveTime.set(obs.id, BigInt(obs.time_unix_nano));
      continue;
    }
    const action = actionOf.get(obs.id);
    const turn = obs.turn_id ?? (action !== undefined ? turnOfAction.get(action) : undefined);
    const range =
      (action !== undefined ? byAction.get(action) : undefined) ??
      (turn !== undefined ? byTurn.get(turn) : undefined) ??
      session;
    const anchor = range === undefined ? 0n : CLOSING_KINDS.has(obs.kind) ? range.max : range.min;
    effectiveTime.set(obs.id, anchor);
  }

  const ordered = [...observations].sort((a, b) => {
    const ta = effectiveTime.get(a.id)!;
    const tb = effectiveTime.get(b.id)!;
    if (ta !== tb) return ta < tb ? -1 : 1;
    const rank = SEMANTIC_RANK[a.kind] - SEMANTIC_RANK[b.kind];
    if (rank !== 0) return rank;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return { ordered, effectiveTime };
}

function widen(ranges: Map<string, TimeRange>, key: string, time: bigint): void {
  const range = ranges.get(key);
  ranges.set(
    key,
    range ? { min: min(range.min, time), max: max(range.max, time) } : { min: time, max: time },
  );
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
