// The assembler's notion of "now", injectable so finalization (settle, idle timeout) is testable without
// sleeping. Only used to decide *when* to finalize; it never enters a bundle.
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
