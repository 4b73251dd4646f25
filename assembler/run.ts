// Drives an Assembler from any ObservationSubscriber (embedded DuckDB or Kafka, schemas/transport.ts).
// Batches and timer ticks are serialized: the assembler is a single-threaded state machine. After each step
// the rejected records are dead-lettered and only then are offsets committed, so nothing is committed past a
// record that is neither bundled, held by an open session, nor set aside.
//
// A step that fails for a reason that passes (a bundle directory that is read-only or full, a lock held by
// another writer, the broker away) is retried with backoff until it succeeds, and `onProblem` says so
// meanwhile, so the server reports not-ready instead of looking healthy; every step is safe to run again (the
// store finds what it already wrote, the sessions deduplicate by observation id). Anything else ends the run.
//
// Partitions that move (Kafka's consumer group, with a `handover`): when a rebalance begins no new step starts;
// once the new assignment is known the assembler lets go of the partitions it lost (their sessions dropped
// from memory unsealed, their state already published after the step that last changed it) and marks them
// released, then waits until the previous owners of the partitions it gained let go of them. Leaving the group
// (close) releases everything first. So at any time one assembler works on a partition's sessions.
import { setTimeout as delay } from 'node:timers/promises';

import type { ObservationSubscriber, PartitionHandover } from '../schemas/transport.js';
import type { Assembler, StepReport } from './assembler.js';
import { isPassingFailure } from './passing-failure.js';

export interface RunOptions {
  /** How often to check settle and idle timeouts while no batch arrives. */
  tickIntervalMs?: number;
  /** Told what stops the assembler from writing while it retries, and `undefined` once it writes again. */
  onProblem?: (problem: string | undefined) => void;
  /** Backoff between retries of a failed step (doubling from `initialMs` up to `maxMs`). */
  retry?: { initialMs: number; maxMs: number };
  /** Aborted when the caller is shutting down: a step waiting to retry then gives up. */
  signal?: AbortSignal;
  /** Hand sessions over when the subscriber's partitions move (see above). */
  handover?: PartitionHandover;
}

/** Resolves when the subscriber stops; rejects with the first failure that does not pass. */
export async function runAssembler(
  subscriber: ObservationSubscriber,
  assembler: Assembler,
  options: RunOptions = {},
): Promise<void> {
  const backoff = options.retry ?? { initialMs: 200, maxMs: 10_000 };
  let stopped = false;
  let queue: Promise<void> = Promise.resolve();
  let failure: unknown;
  const serialized = (step: () => Promise<void>): Promise<void> => {
    queue = queue.then(step).catch(async (error: unknown) => {
      if (failure === undefined) {
        failure = error;
        stopped = true;
        await subscriber.close();
      }
      throw error;
    });
    return queue;
  };

  /** Runs `step` until it succeeds or fails for good (or the run stops). */
  const retrying = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    let wait = backoff.initialMs;
    for (;;) {
      try {
        const result = await step();
        if (wait !== backoff.initialMs) options.onProblem?.(undefined);
        return result;
      } catch (error) {
        if (stopped || options.signal?.aborted || !isPassingFailure(error)) throw error;
        options.onProblem?.(`${what}: ${(error as Error).message}`);
        await delay(wait, undefined, { signal: options.signal }).catch(() => undefined);
        wait = Math.min(wait * 2, backoff.maxMs);
      }
    }
  };

  // While a session stays open its oldest record holds the committable offset back, so most steps would
  // commit the offsets already committed: that write (a transaction of its own) is skipped.
  let committed = '';
  const settle = async (reports: StepReport[]): Promise<void> => {
    for (const report of reports) {
      for (const { delivery, reason } of report.deadLetters)
        await retrying('dead-lettering', () => subscriber.deadLetter(delivery, reason));
    }
    const offsets = assembler.committableOffsets();
    const key = JSON.stringify([...offsets]);
    if (key === committed) return;
    await retrying('committing offsets', () => subscriber.commit(offsets));
    committed = key;
  };

  // While a rebalance is under way nothing new starts (a timer could seal a session whose partition moved).
  let paused = false;
  const { handover } = options;
  if (handover && subscriber.onPartitions) {
    let member: string | undefined;
    let owned = new Set<number>();
    const letGo = async (partitions: readonly number[]): Promise<void> => {
      assembler.release(partitions);
      for (const partition of partitions) owned.delete(partition);
      await retrying('handing partitions over', () => handover.release(partitions, member!));
    };
    subscriber.onPartitions({
      revoking: () => {
        paused = true;
      },
      assigned: (joined, partitions) => {
        paused = true;
        serialized(async () => {
          const now = new Set(partitions);
          const lost = [...owned].filter((partition) => !now.has(partition));
          if (lost.length > 0) await letGo(lost);
          // Under a new member id (kafkajs rejoined from scratch) the earlier claims are not this member's.
          const gained = joined === member ? partitions.filter((p) => !owned.has(p)) : partitions;
          member = joined;
          if (gained.length > 0)
            await retrying('taking partitions over', () => handover.adopt(gained, joined));
          owned = now;
          paused = false;
        }).catch(() => undefined);
      },
      leaving: async () => {
        paused = true;
        if (failure !== undefined || owned.size === 0) return;
        await serialized(() => letGo([...owned])).catch(() => undefined);
      },
    });
  }

  const timer = setInterval(() => {
    if (failure === undefined && !paused)
      serialized(async () =>
        settle([await retrying('bundling', () => assembler.tick(subscriber.lagging()))]),
      ).catch(() => undefined);
  }, options.tickIntervalMs ?? 1000);
  try {
    await subscriber.run((batch) =>
      serialized(async () => {
        const handled = await retrying('reading the store', () => assembler.handle(batch));
        await settle([handled, await retrying('bundling', () => assembler.tick(subscriber.lagging()))]);
      }),
    );
    await queue.catch(() => undefined);
  } finally {
    stopped = true;
    clearInterval(timer);
  }
  if (failure !== undefined) throw failure;
}
