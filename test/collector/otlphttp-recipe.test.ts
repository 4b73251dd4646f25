// Recipe 2: a real OpenTelemetry Collector (deploy/collector/otlphttp.yaml) in front of `proofline serve`, over
// OTLP/HTTP with a bearer token. Kafka behind proofline is down when the Codex captures arrive, so proofline
// answers 503 with Retry-After; the Collector must hold the records, wait as told, and deliver every one once
// Kafka is back. Records proofline cannot attribute to a session come back as partial success: the Collector
// must log them as such and not resend them, while everything else is bundled as posting straight to proofline
// bundles it, and verifies.
import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { StatusSnapshot } from '../../ingest/stats.js';
import { freshDataDir } from '../e2e/support.js';
import {
  failures,
  killAll,
  startListening,
  waitForGroup,
  waitForSeals,
  type Receiver,
} from '../kafka-e2e/support.js';
import { startTestBroker, type TestBroker } from '../kafka/broker.js';
import {
  CAPTURE_RECORDS_WITHOUT_SESSION,
  CAPTURE_SESSIONS,
  captureExports,
  collectorBinary,
  postExports,
  referenceEvidence,
  sessionEvidence,
  startCollector,
  TIMERS,
  until,
  verifyCli,
  type CollectorLogLine,
  type RunningCollector,
  type SessionEvidence,
} from './support.js';

const TOKEN = `collector-test-${randomUUID()}`;
/** proofline's Retry-After while its transport is down (transport/kafka-producer.ts). */
const RETRY_AFTER_SECONDS = 5;

describe('Collector → otlp_http → proofline serve --kafka', () => {
  let broker: TestBroker | undefined;
  let serve: Receiver;
  let collector: RunningCollector | undefined;
  let dataDir: string;
  let reference: SessionEvidence[];
  let refusedWhileDown: number;
  let status: StatusSnapshot;
  let collectorLog: CollectorLogLine[];

  const proofline = async (path: string): Promise<Response> =>
    fetch(new URL(path, serve.url), { headers: { authorization: `Bearer ${TOKEN}` } });
  const statusNow = async () => (await (await proofline('/v1/status')).json()) as StatusSnapshot;

  beforeAll(async () => {
    await collectorBinary();
    const exports = await captureExports();
    reference = await referenceEvidence(exports);
    // A broker of its own: this test stops it.
    broker = await startTestBroker(true);
    const run = `collector-otlphttp-${randomUUID().slice(0, 8)}`;
    dataDir = await freshDataDir('proofline-collector-otlphttp-');
    serve = await startListening([
      'serve',
      ...['--kafka', broker.bootstrap, '--topic-prefix', run, '--group', `${run}-assemble`],
      ...['--data', dataDir, '--token', TOKEN, ...TIMERS],
    ]);
    collector = await startCollector('otlphttp', { PROOFLINE_URL: serve.url, PROOFLINE_TOKEN: TOKEN });
    // The outage begins once proofline is fully up: its assembler is a member of its group.
    await waitForGroup(broker.bootstrap, `${run}-assemble`, 1);

    await broker.stop();
    // The Collector takes the exports at once (its queue holds them); delivering them is its business.
    await postExports(collector.url, exports);
    refusedWhileDown = await until(
      'proofline refusing the Collector with 503',
      async () => {
        const refused = (await statusNow()).requests['503'] ?? 0;
        return refused >= 2 ? refused : undefined;
      },
      [serve.proc],
    );
    await broker.start();

    await waitForSeals([dataDir], CAPTURE_SESSIONS, [serve.proc]);
    status = await statusNow();
    collectorLog = await collector.logLines();
  }, 900_000);

  afterAll(async () => {
    await collector?.stop();
    await killAll();
    await broker?.dispose();
  });

  it('proofline answered 503 with Retry-After while Kafka was down, and the Collector waited as told', () => {
    expect(refusedWhileDown).toBeGreaterThanOrEqual(2);
    const retries = collectorLog.filter(
      (l) => l.msg === 'Exporting failed. Will retry the request after interval.',
    );
    const throttled = retries.filter((l) => String(l.error).includes('HTTP Status Code 503'));
    expect(throttled.length).toBeGreaterThanOrEqual(refusedWhileDown);
    // The exporter's own backoff starts at 1 s (otlphttp.yaml); a wait of Retry-After or more is proofline's.
    for (const line of throttled)
      expect(seconds(String(line.interval))).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS);
  });

  it('delivered everything once proofline recovered: the same sessions, actions and observations as the direct path', async () => {
    expect(await sessionEvidence(dataDir)).toEqual(reference);
    expect(status.requests['503']).toBeGreaterThanOrEqual(refusedWhileDown);
    // Nothing was given up on: the Collector dropped no data.
    expect(collectorLog.filter((l) => l.msg.startsWith('Exporting failed. Dropping data'))).toEqual([]);
  });

  it('reports the records proofline rejects as partial success, which the Collector logs and does not resend', () => {
    expect(status.records.rejected).toBe(CAPTURE_RECORDS_WITHOUT_SESSION);
    const partial = collectorLog.filter((l) => l.msg === 'Partial success response');
    expect(partial.length).toBeGreaterThan(0);
    for (const line of partial) expect(String(line.message)).toContain('no session id');
    const dropped = partial.reduce((n, l) => n + Number(l.dropped_log_records ?? 0), 0);
    expect(dropped).toBe(CAPTURE_RECORDS_WITHOUT_SESSION);
    // A partial success is not a failure: no export of them was retried.
    const retriedFor = collectorLog.filter((l) => String(l.error ?? '').includes('rejected'));
    expect(retriedFor).toEqual([]);
  });

  it('the bundles verify', async () => {
    const { exitCode, report } = await verifyCli(dataDir);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
  });
});

/** A Go duration as the Collector logs it (`5s`, `5.43s`, `1m2.5s`, `800ms`), in seconds. */
function seconds(duration: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, value, unit] of duration.matchAll(/([\d.]+)(ms|h|m|s)/g))
    total += Number(value) * units[unit!]!;
  return total;
}
