// Drives an Assembler from any ObservationSubscriber (embedded DuckDB or Kafka, schemas/transport.ts).
// Batches and timer ticks are serialized: the assembler is a single-threaded state machine. After each step
// the rejected records are dead-lettered and only then are offsets committed, so nothing is committed past a
// record that is neither bundled, held by an open session, nor set aside.
import type { ObservationSubscriber } from '../schemas/transport.js';
import type { Assembler, StepReport } from './assembler.js';

export interface RunOptions {
  /** How often to check settle and idle timeouts while no batch arrives. */
  tickIntervalMs?: number;
}

/** Resolves when the subscriber stops; rejects with the first failure of the assembler or the subscriber. */
export async function runAssembler(
  subscriber: ObservationSubscriber,
  assembler: Assembler,
  options: RunOptions = {},
): Promise<void> {
  let queue: Promise<void> = Promise.resolve();
  let failure: unknown;
  const serialized = (step: () => Promise<void>): Promise<void> => {
    queue = queue.then(step).catch(async (error: unknown) => {
      if (failure === undefined) {
        failure = error;
        await subscriber.close();
      }
      throw error;
    });
    return queue;
  };

  // While a session stays open its oldest record holds the committable offset back, so most steps would
  // commit the offsets already committed: that write (a transaction of its own) is skipped.
  let committed = '';
  const settle = async (reports: StepReport[]): Promise<void> => {
    for (const report of reports) {
      for (const { delivery, reason } of report.deadLetters) await subscriber.deadLetter(delivery, reason);
    }
    const offsets = assembler.committableOffsets();
    const key = JSON.stringify([...offsets]);
    if (key === committed) return;
    await subscriber.commit(offsets);
    committed = key;
  };

  const timer = setInterval(() => {
    if (failure === undefined)
      serialized(async () => settle([await assembler.tick()])).catch(() => undefined);
  }, options.tickIntervalMs ?? 1000);
  try {
    await subscriber.run((batch) =>
      serialized(async () => {
        const handled = await assembler.handle(batch);
        await settle([handled, await assembler.tick()]);
      }),
    );
    await queue.catch(() => undefined);
  } finally {
    clearInterval(timer);
  }
  if (failure !== undefined) throw failure;
}
