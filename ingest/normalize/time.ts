// Runtime event times as decimal Unix nanoseconds (schemas/observations.md, "Identity and time").
import type { OtlpKeyValue, OtlpLogRecord } from '../otlp/model.js';
import { stringAttribute } from './attributes.js';

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i;

/** `2026-11-21T04:35:16.543Z` to nanoseconds, keeping sub-millisecond digits that Date would drop. */
export function rfc3339ToUnixNano(text: string): string | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, seconds, fraction = '', zone] = match;
  const millis = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(millis)) return undefined;
  return (BigInt(millis) * 1_000_000n + BigInt(fraction.padEnd(9, '0'))).toString();
}

/** Codex leaves `timeUnixNano` at 0 and puts the event time in the `event.timestamp` attribute. */
export function logRecordTime(
  record: OtlpLogRecord,
  attributes: readonly OtlpKeyValue[] | undefined,
): string {
  const stamped = stringAttribute(attributes, 'event.timestamp');
  return (stamped && rfc3339ToUnixNano(stamped)) ?? record.timeUnixNano ?? record.observedTimeUnixNano ?? '0';
}
