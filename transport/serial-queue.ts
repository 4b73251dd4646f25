// Runs async tasks one at a time in arrival order. A DuckDB connection holds one transaction at a time, so
// concurrent publishes (one per HTTP request) must not interleave their BEGIN … COMMIT on it.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The chain continues whether a task fails or not; the failure reaches only that task's caller.
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task queued so far has settled. */
  drain(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
