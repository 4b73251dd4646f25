// One seed laid out for one family before any telemetry is written: its ids and the runtime times of each
// call, shared by every family's emitter so they differ only in what their runtime reports.
import type { RuntimeFamily } from '../../schemas/observation.js';
import { minutesAfter, seedStart, type Millis } from './clock.js';
import { refusedUnderGold, runsRewritten } from './gold.js';
import { IdSource } from './ids.js';
import { SeedError, type Seed, type SeedStep } from './seed.js';

/** A call that waits for a person (approval, platform confirmation) runs this long after it was proposed. */
export const APPROVAL_WAIT_MS: Millis = 30_000n;
/** From the guard's answer to the process starting. */
const DISPATCH_MS: Millis = 40n;
/** The session starts this long before its first minute (prompt, first model call). */
const SESSION_LEAD_MS: Millis = 5_000n;

export interface StepPlan {
  step: SeedStep;
  actionId: string;
  spanId: string;
  /** The runtime proposed the call and asked the guard. */
  proposedAt: Millis;
  /** It ran (when it ran) from here to `endedAt`. */
  startedAt: Millis;
  endedAt: Millis;
  durationMs: number;
  /** Under the gold route the call does not run here. */
  refused: boolean;
  /** It runs as the guard's dry-run rewrite. */
  rewritten: boolean;
  dependsOn: StepPlan[];
}

export interface SessionPlan {
  seed: Seed;
  family: RuntimeFamily;
  ids: IdSource;
  sessionId: string;
  turnId: string;
  traceId: string;
  rootSpanId: string;
  startedAt: Millis;
  endedAt: Millis;
  steps: StepPlan[];
}

export function planSession(seed: Seed, seedIndex: number, family: RuntimeFamily): SessionPlan {
  const ids = new IdSource(seed.id, family);
  const start = seedStart(seedIndex);
  const steps: StepPlan[] = [];
  for (const step of seed.steps) {
    const refused = refusedUnderGold(family, step);
    // A lost receipt is only meaningful on a call that runs; a refused call's receipts are the server's.
    if (refused && step.lose.length > 0)
      throw new SeedError(`${seed.id}.yaml`, `step ${step.id} loses receipts but does not run in ${family}`);
    const proposedAt = minutesAfter(start, step.at_min);
    const durationMs = 20 + (parseInt(ids.hex(4, 'duration', step.id), 16) % 1500);
    const startedAt = proposedAt + (step.approval ? APPROVAL_WAIT_MS : 0n) + DISPATCH_MS;
    steps.push({
      step,
      actionId: ids.callId(step.id),
      spanId: ids.spanId(step.id),
      proposedAt,
      startedAt,
      endedAt: startedAt + BigInt(durationMs),
      durationMs,
      refused,
      rewritten: runsRewritten(family, step),
      dependsOn: step.depends_on.map((id) => steps.find((earlier) => earlier.step.id === id) as StepPlan),
    });
  }
  const startedAt = start - SESSION_LEAD_MS;
  return {
    seed,
    family,
    ids,
    sessionId: ids.uuidV7(startedAt, 'session'),
    turnId: ids.uuidV7(startedAt + 1n, 'turn'),
    traceId: ids.traceId(),
    rootSpanId: ids.spanId('root'),
    startedAt,
    endedAt: (steps[steps.length - 1] as StepPlan).endedAt + 2_000n,
    steps,
  };
}
