// Synthetic load made from a real capture: binary_allow's log export, its records cloned into many sessions
// with distinct timestamps, encoded as protobuf and as Codex-style OTLP/JSON (hex ids, int64 as strings).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { fixturesRoot } from '../service/replay.js';
import { EXPORT_REQUEST_TYPES } from '../ingest/otlp/proto.js';

const LOGS = EXPORT_REQUEST_TYPES.logs;
export const CAPTURED_SESSION = '01a1fc63-1dbb-75c3-a7f6-f2523a92b240';

type Message = Record<string, unknown>;
interface KeyValue {
  key: string;
  value: { stringValue?: string };
}

function capturedLogs(): Message {
  const body = readFileSync(join(fixturesRoot(), 'scenarios/binary_allow/otlp/002_logs.pb'));
  return LOGS.toObject(LOGS.decode(body), { longs: String, bytes: Buffer, defaults: false }) as Message;
}

/** The captured session id, turned into a new one per copy (same length, so sizes stay realistic). */
export function sessionId(index: number): string {
  return `${CAPTURED_SESSION.slice(0, 24)}${index.toString(16).padStart(12, '0')}`;
}

function records(request: Message): Message[] {
  return ((request.resourceLogs as Message[])[0]!.scopeLogs as Message[])[0]!.logRecords as Message[];
}

/** One export request holding `count` records spread over the given sessions. */
export function logsRequest(firstSession: number, sessions: number, count: number, salt = 0): Message {
  const request = capturedLogs();
  const template = records(request);
  const out: Message[] = [];
  for (let i = 0; i < count; i++) {
    const record = structuredClone(template[i % template.length]!);
    const session = sessionId(firstSession + (i % sessions));
    for (const attribute of record.attributes as KeyValue[]) {
      if (attribute.value.stringValue === CAPTURED_SESSION) attribute.value.stringValue = session;
      // Distinct times keep every cloned record a distinct observation.
      if (attribute.key === 'event.timestamp')
        attribute.value.stringValue = new Date(Date.UTC(2026, 10, 21) + salt * 1e7 + i).toISOString();
    }
    out.push(record);
  }
  ((request.resourceLogs as Message[])[0]!.scopeLogs as Message[])[0]!.logRecords = out;
  return request;
}

export function encodeProtobuf(request: Message): Buffer {
  return Buffer.from(LOGS.encode(LOGS.fromObject(request)).finish());
}

export function encodeJson(request: Message): Buffer {
  return Buffer.from(
    JSON.stringify(request, (_key, value: unknown) => {
      // OTLP/JSON carries trace and span ids as hex (the only bytes in these records).
      if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
      if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer')
        return Buffer.from((value as { data: number[] }).data).toString('hex');
      return value;
    }),
  );
}

/** Records in a decoded logs request (what the bare-decode baseline counts). */
export function countDecoded(message: unknown): number {
  const decoded = message as { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] };
  return decoded.resourceLogs.reduce(
    (n, rl) => n + rl.scopeLogs.reduce((m, sl) => m + sl.logRecords.length, 0),
    0,
  );
}
