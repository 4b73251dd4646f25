// What each runtime family's emitter writes for a planned session: the runtime's own telemetry around the
// session, and per call the guard question plus what it reports when the call runs or is refused.
import type { Checkpoint } from '../../schemas/bundle.js';
import type { SessionPlan, StepPlan } from './plan.js';
import type { Decide, Telemetry } from './trace.js';

export interface ActionTelemetry {
  decide: Decide;
  executed: Telemetry[];
  refused: Telemetry[];
  /** Receipts whose carriers in `executed` were left out because the step `lose`s them. */
  dropped: Checkpoint[];
}

export interface FamilyEmitter {
  sessionStart(plan: SessionPlan): Telemetry[];
  action(plan: SessionPlan, step: StepPlan): ActionTelemetry;
  sessionEnd(plan: SessionPlan): Telemetry[];
}
