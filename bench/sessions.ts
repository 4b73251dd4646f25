// Whole Codex sessions for the bundle and verify benches: binary_allow's hook calls and log export, with a new
// session id per copy, sent to a running pipeline. Sessions run side by side (`concurrency` at a time, each one's
// requests in order), as many agents talk to one server; every hook call is answered only once durable.
import type { DsseEnvelope } from '../schemas/bundle.js';
import { readRecords } from '../schemas/segment.js';
import { loadScenario } from '../service/replay.js';
import { CAPTURED_SESSION, encodeProtobuf, logsRequest, sessionId } from './workload.js';

async function post(url: string, contentType: string, body: string | Buffer): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  if (response.status !== 200)
    throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
}

/** Sends `sessions` whole sessions to the pipeline at `url`, `concurrency` at a time. */
export async function sendSessions(url: string, sessions: number, concurrency: number): Promise<void> {
  const scenario = await loadScenario('binary_allow');
  const templateLogs = JSON.stringify(logsRequest(0, 1, 20));
  const sendOne = async (s: number): Promise<void> => {
    const id = sessionId(s);
    for (const hook of scenario.hooks)
      await post(
        `${url}/v1/guard`,
        'application/json',
        `{"hook":${hook.stdin.replaceAll(CAPTURED_SESSION, id)}}`,
      );
    const logs = encodeProtobuf(JSON.parse(templateLogs.replaceAll(sessionId(0), id), reviveBuffers));
    await post(`${url}/v1/logs`, 'application/x-protobuf', logs);
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let s = next++; s < sessions; s = next++) await sendOne(s);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, sessions) }, worker));
}

/** The DSSE envelopes the data directory's segments hold (bundles and seals). */
export async function envelopesIn(dataDir: string): Promise<DsseEnvelope[]> {
  const envelopes: DsseEnvelope[] = [];
  for await (const record of readRecords(dataDir)) envelopes.push(record.envelope);
  return envelopes;
}

function reviveBuffers(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer')
    return Buffer.from((value as { data: number[] }).data);
  return value;
}
