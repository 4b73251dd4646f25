// Bounds how long a caller waits for an operation it cannot cancel (a kafkajs connect or send): the promise
// rejects after `ms` while the operation itself is abandoned to finish or fail on its own.
import { ProoflineError } from '../schemas/errors.js';

export class DeadlineExceededError extends ProoflineError<'DEADLINE_EXCEEDED'> {
  constructor(what: string, ms: number) {
    super('DEADLINE_EXCEEDED', `${what} did not finish within ${ms} ms`);
  }
}

export async function withDeadline<T>(operation: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(what, ms)), ms);
  });
  try {
    return await Promise.race([operation, expired]);
  } finally {
    clearTimeout(timer);
  }
}
