// Recipe 1: a real OpenTelemetry Collector (deploy/collector/kafka.yaml) in front of Kafka. The Codex captures'
// exports go to the Collector's OTLP/HTTP receiver exactly as Codex sent them; its kafkaexporter writes them to
// two topics in either encoding; `proofline ingest --from-kafka` turns those into observations and `proofline
// assemble` into bundles. Every session must come out as it does when the same exports are posted straight to
// `proofline serve` (same actions, outcomes, routes, ρ, and the same observations under each seal), and verify.
import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { postOtlp } from '../../service/replay.js';
import { freshDataDir } from '../e2e/support.js';
import {
  failures,
  killAll,
  readTopic,
  spawnProofline,
  waitForGroup,
  waitForSeals,
} from '../kafka-e2e/support.js';
import { startTestBroker, type TestBroker } from '../kafka/broker.js';
import {
  CAPTURE_SESSIONS,
  captureAtRoot,
  captureExports,
  collectorBinary,
  postExports,
  referenceEvidence,
  sessionEvidence,
  startCollector,
  TIMERS,
  verifyCli,
  type CaptureExport,
  type RunningCollector,
  type SessionEvidence,
} from './support.js';

let broker: TestBroker;
let exports: CaptureExport[];
let reference: SessionEvidence[];
const collectors: RunningCollector[] = [];

beforeAll(async () => {
  await collectorBinary();
  broker = await startTestBroker();
  exports = await captureExports();
  reference = await referenceEvidence(exports);
}, 900_000);

afterAll(async () => {
  await Promise.all(collectors.map((c) => c.stop()));
  await killAll();
  await broker?.dispose();
});

describe.each(['otlp_proto', 'otlp_json'] as const)('Collector → Kafka (%s) → proofline', (encoding) => {
  it('bundles every session as posting straight to proofline does, and the bundles verify', async () => {
    expect(reference).toHaveLength(CAPTURE_SESSIONS);
    // Topics, groups and proofline's own topics unique to this run, so a shared broker is no problem.
    const run = `collector-${encoding}-${randomUUID().slice(0, 8)}`;
    const topics = { logs: `${run}.otlp_logs`, spans: `${run}.otlp_spans` };
    const dataDir = await freshDataDir('proofline-collector-kafka-');
    const ingest = spawnProofline([
      'ingest',
      ...['--kafka', broker.bootstrap, '--topic-prefix', run],
      ...['--from-kafka', `${topics.logs},${topics.spans}`, '--collector-encoding', encoding],
      ...['--collector-group', `${run}-ingest`],
    ]);
    const assembler = spawnProofline([
      'assemble',
      ...['--kafka', broker.bootstrap, '--topic-prefix', run, '--group', `${run}-assemble`],
      ...['--data', dataDir, ...TIMERS],
    ]);
    // proofline's consumer creates the Collector's topics (the exporter may not): it is in its group first.
    await waitForGroup(broker.bootstrap, `${run}-ingest`, 1);
    await waitForGroup(broker.bootstrap, `${run}-assemble`, 1);
    const collector = await startCollector('kafka', {
      PROOFLINE_KAFKA_BROKERS: broker.bootstrap,
      PROOFLINE_COLLECTOR_LOGS_TOPIC: topics.logs,
      PROOFLINE_COLLECTOR_SPANS_TOPIC: topics.spans,
      PROOFLINE_COLLECTOR_ENCODING: encoding,
    });
    collectors.push(collector);

    await postExports(collector.url, exports);
    await waitForSeals([dataDir], CAPTURE_SESSIONS, [ingest, assembler]);
    expect(await sessionEvidence(dataDir)).toEqual(reference);

    // The records on the topics are the Collector's own, in the encoding the config was given.
    for (const topic of [topics.logs, topics.spans]) {
      const records = await readTopic(broker.bootstrap, topic);
      expect(records.length, topic).toBeGreaterThan(0);
      for (const { value } of records) expect(isJson(value!), topic).toBe(encoding === 'otlp_json');
    }
    // Nothing the exporter failed to write, nothing proofline could not decode.
    expect((await collector.logLines()).filter((l) => l.level === 'error')).toEqual([]);
    expect(ingest.log()).not.toContain('undecodable record skipped');

    const { exitCode, report } = await verifyCli(dataDir);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    // As long as waitForSeals' own deadline and more: on a loaded CI machine the whole chain (two consumer
    // groups joining, the Collector, the idle timers) once took over the global 60 s.
  }, 150_000);
});

it('refuses the capture Codex posted to `/` (its endpoint verbatim): the Collector serves /v1/<signal> only', async () => {
  const collector = await startCollector('kafka', { PROOFLINE_KAFKA_BROKERS: broker.bootstrap });
  collectors.push(collector);
  expect((await postOtlp(await captureAtRoot(), { url: collector.url })).status).toBe(404);
});

function isJson(value: Buffer): boolean {
  try {
    JSON.parse(value.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
