// An in-process "something new was committed" signal. A subscriber notes the generation before it reads;
// if a publish commits between its read and its wait, the generation has moved and the wait returns at once,
// so a wake-up is never lost between the two.
export class Wakeup {
  private generationCount = 0;
  private waiters = new Set<() => void>();

  get generation(): number {
    return this.generationCount;
  }

  notify(): void {
    this.generationCount += 1;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next notify after `seenGeneration`, or after `timeoutMs`, whichever comes first. */
  wait(seenGeneration: number, timeoutMs: number): Promise<void> {
    if (this.generationCount !== seenGeneration) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.waiters.add(wake);
    });
  }
}
