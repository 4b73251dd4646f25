// Runtime event times are decimal nanoseconds (Observation.time_unix_nano); bundles show them as RFC 3339.
// Converted with BigInt so nanosecond precision survives, and printed at the shortest of ms/µs/ns precision
// that loses nothing, so the same instant always renders to the same text.

const NANOS_PER_SECOND = 1_000_000_000n;

export function isRuntimeTime(timeUnixNano: string): boolean {
  return /^\d+$/.test(timeUnixNano) && BigInt(timeUnixNano) > 0n;
}

export function nanosToRfc3339(timeUnixNano: string): string {
  const nanos = BigInt(timeUnixNano);
  const seconds = nanos / NANOS_PER_SECOND;
  const fraction = (nanos % NANOS_PER_SECOND).toString().padStart(9, '0');
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const digits = fraction.endsWith('000000') ? 3 : fraction.endsWith('000') ? 6 : 9;
  return `${whole}.${fraction.slice(0, digits)}Z`;
}

export function compareNanos(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Order by a bigint time, then by id: the deterministic order bundles and obligations are listed in. */
export function byTimeThenId(a: { time: bigint; id: string }, b: { time: bigint; id: string }): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
