// Obligations (issue 4): the duties a session's actions took on, judged on runtime times only. The guard
// records on each decision which obligations the action creates, discharges and waives
// (schemas/observations.md, "Guard decisions from the policy engine"); whether a discharge came in time, and
// whether a deadline passed, is decided here from the session's timeline, never from a wall clock:
// - created at the creating decision's runtime time, due `within_ms` later (no due time when the session has
//   no runtime time at all: such an obligation is never judged late);
// - discharged when a later decision lists it in `proofline.discharges` at or before the due time; a discharge
//   after it leaves the obligation violated (the duty was done, late), with the discharging action named;
// - waived when a decision lists it in `proofline.waives`;
// - violated once the session's runtime time has passed the due time with neither;
// - otherwise open — including at the seal, when the session ends before the deadline it would have missed.
// The first settlement (discharge or waiver) in timeline order counts. Statuses are always taken "as of" a
// runtime time, so a bundle states what its action's own time knew and is a pure function of the records.
import type { Obligation, ObligationStatus, VerificationCheck } from '../schemas/bundle.js';
import type { Observation } from '../schemas/observation.js';
import {
  readDecisionObligations,
  type DecisionObligations,
  type RecordedObligation,
} from '../schemas/decision.js';
import { resolveActions } from './session.js';
import { byTimeThenId, nanosToRfc3339 } from './time.js';
import { buildTimeline, type Timeline } from './timeline.js';

const NANOS_PER_MS = 1_000_000n;

interface Settlement {
  kind: 'discharge' | 'waive';
  by: string;
  at: bigint;
}

interface Tracked {
  recorded: RecordedObligation;
  createdBy: string;
  createdAt: bigint;
  due: bigint | null;
  settlement: Settlement | undefined;
}

/** What an action's bundle carries about obligations. */
export interface ActionObligations {
  /** Those the action created, discharged or waived. */
  obligations: Obligation[];
  /** The `obligations` check; none when the session had no obligation by the action's time. */
  checks: VerificationCheck[];
}

export class ObligationLedger {
  /** In creation order (runtime time, then id). */
  private readonly tracked: Tracked[];
  /** Latest runtime time of each action's records: what its bundle knows. */
  private readonly actionTime = new Map<string, bigint>();
  private readonly latest: bigint;

  constructor(timeline: Timeline, actionOf: ReadonlyMap<string, string>) {
    let latest = 0n;
    const decisions: { obs: Observation; action: string; at: bigint; said: DecisionObligations }[] = [];
    for (const obs of timeline.ordered) {
      const at = timeline.effectiveTime.get(obs.id) ?? 0n;
      if (at > latest) latest = at;
      const action = actionOf.get(obs.id);
      if (action === undefined) continue;
      if (at > (this.actionTime.get(action) ?? 0n)) this.actionTime.set(action, at);
      if (obs.kind === 'guard_decision')
        decisions.push({ obs, action, at, said: readDecisionObligations(obs.attrs) });
    }
    this.latest = latest;
    // Creations first: at equal runtime times the timeline orders by id, which may put a discharge first.
    const byId = new Map<string, Tracked>();
    for (const { action, at, said } of decisions) {
      for (const recorded of said.created) {
        if (byId.has(recorded.id)) continue;
        const due = at > 0n ? at + BigInt(recorded.within_ms) * NANOS_PER_MS : null;
        byId.set(recorded.id, { recorded, createdBy: action, createdAt: at, due, settlement: undefined });
      }
    }
    for (const { action, at, said } of decisions) {
      const settle = (ids: readonly string[], kind: Settlement['kind']) => {
        for (const id of ids) {
          const tracked = byId.get(id);
          // A settlement of an obligation whose creation is not in the session's records cannot be judged.
          if (tracked !== undefined && tracked.settlement === undefined)
            tracked.settlement = { kind, by: action, at };
        }
      };
      settle(said.waives, 'waive');
      settle(said.discharges, 'discharge');
    }
    this.tracked = [...byId.values()].sort((a, b) =>
      byTimeThenId({ time: a.createdAt, id: a.recorded.id }, { time: b.createdAt, id: b.recorded.id }),
    );
  }

  forAction(actionId: string): ActionObligations {
    const asOf = this.actionTime.get(actionId) ?? 0n;
    const obligations = this.tracked
      .filter((t) => t.createdBy === actionId || t.settlement?.by === actionId)
      .map((t) => view(t, asOf));
    const known = this.tracked.filter((t) => t.createdAt <= asOf);
    return { obligations, checks: known.length === 0 ? [] : [obligationsCheck(known, asOf)] };
  }

  /** Final statuses, as of the session's latest runtime time: what the seal records. */
  final(): Obligation[] {
    return this.tracked.map((t) => view(t, this.latest));
  }
}

/** The seal's obligations, or undefined when no decision of the session created any (the seal is then as it
 * was before obligation tracking). Builds the timeline only when there is something to judge. */
export function sessionObligations(observations: readonly Observation[]): Obligation[] | undefined {
  const creates = observations.some(
    (o) => o.kind === 'guard_decision' && readDecisionObligations(o.attrs).created.length > 0,
  );
  if (!creates) return undefined;
  const actionOf = resolveActions(observations);
  return new ObligationLedger(buildTimeline(observations, actionOf), actionOf).final();
}

function statusOf(
  t: Tracked,
  asOf: bigint,
): { status: ObligationStatus; settlement: Settlement | undefined } {
  const settlement = t.settlement !== undefined && t.settlement.at <= asOf ? t.settlement : undefined;
  if (settlement?.kind === 'waive') return { status: 'waived', settlement };
  if (settlement?.kind === 'discharge') {
    const inTime = t.due === null || settlement.at <= t.due;
    return { status: inTime ? 'discharged' : 'violated', settlement };
  }
  return { status: t.due !== null && asOf > t.due ? 'violated' : 'open', settlement };
}

function view(t: Tracked, asOf: bigint): Obligation {
  const { status, settlement } = statusOf(t, asOf);
  const discharge = settlement?.kind === 'discharge' ? settlement : undefined;
  return {
    id: t.recorded.id,
    rule_id: t.recorded.rule_id,
    status,
    due_unix_nano: t.due === null ? null : t.due.toString(),
    duty: t.recorded.duty,
    created_by: t.createdBy,
    discharged_by: discharge?.by ?? null,
    discharged_unix_nano: discharge === undefined ? null : discharge.at.toString(),
    waived_by: settlement?.kind === 'waive' ? settlement.by : null,
  };
}

/** Names the open and violated obligations known at `asOf`; fails when one is violated. */
function obligationsCheck(known: readonly Tracked[], asOf: bigint): VerificationCheck {
  const describe = (t: Tracked) =>
    `${t.recorded.rule_id} ${t.recorded.id.slice(0, 12)} (due ${t.due === null ? 'unknown' : nanosToRfc3339(t.due.toString())})`;
  const listed = (status: ObligationStatus) => {
    const matching = known.filter((t) => statusOf(t, asOf).status === status);
    return {
      count: matching.length,
      text: matching.length === 0 ? 'none' : matching.map(describe).join(', '),
    };
  };
  const open = listed('open');
  const violated = listed('violated');
  return {
    name: 'obligations',
    ok: violated.count === 0,
    detail: `${known.length} known; open: ${open.text}; violated: ${violated.text}`,
  };
}
