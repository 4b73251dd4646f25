// Runtime times: the clock of the agent's machine, never proofline's. Seed n runs in hour n after the base, each
// step at its minute, so obligations (10 minutes) are judged on times the seed states.
export const BASE_TIME = '2026-01-05T09:00:00Z';

const NANOS_PER_MS = 1_000_000n;
const MS_PER_MINUTE = 60_000n;
const MS_PER_HOUR = 60n * MS_PER_MINUTE;

/** Milliseconds since the epoch; nanoseconds only where a record carries them. */
export type Millis = bigint;

export function seedStart(seedIndex: number): Millis {
  return BigInt(Date.parse(BASE_TIME)) + BigInt(seedIndex) * MS_PER_HOUR;
}

export function minutesAfter(start: Millis, minutes: number): Millis {
  return start + BigInt(minutes) * MS_PER_MINUTE;
}

export function nanos(ms: Millis): string {
  return (ms * NANOS_PER_MS).toString();
}

/** RFC 3339 with milliseconds, as Codex writes `event.timestamp`. */
export function rfc3339(ms: Millis): string {
  return new Date(Number(ms)).toISOString();
}
