// GET /metrics after replaying real Codex captures: the counters match what was sent and what was bundled,
// counted independently here (from the captures, the replay's answers, and the bundle files).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SEAL_PREDICATE_TYPE } from '../../schemas/bundle.js';
import { decodeOtlp } from '../../ingest/otlp/decode.js';
import type { OtlpRequest } from '../../ingest/otlp/model.js';
import { otlpEncodingOf } from '../../ingest/http/body.js';
import type { Pipeline } from '../../service/embedded.js';
import { loadScenario, replayScenario } from '../../service/replay.js';
import { loadGuard } from '../../policy/load.js';
import { DENY_POLICY, readBundles, startTestPipeline } from './support.js';

const SCENARIOS: [string, string | undefined][] = [
  ['binary_allow', undefined],
  ['json_deny', DENY_POLICY],
];

type Samples = Map<string, number>;

/** `name{labels} value` lines of the Prometheus text format, keyed by `name{labels}`. */
function parseMetrics(text: string): Samples {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

function sum(samples: Samples, name: string, match: (labels: string) => boolean = () => true): number {
  let total = 0;
  for (const [key, value] of samples) {
    const labels = key.startsWith(`${name}{`) ? key.slice(name.length) : key === name ? '' : undefined;
    if (labels !== undefined && match(labels)) total += value;
  }
  return total;
}

describe('GET /metrics', () => {
  let pipeline: Pipeline;
  let samples: Samples;
  const sent = {
    records: { logs: 0, traces: 0, metrics: 0 } as Record<string, number>,
    otlp: 0,
    hooks: 0,
    guarded: 0,
  };

  beforeAll(async () => {
    pipeline = await startTestPipeline();
    for (const [name, policy] of SCENARIOS) {
      pipeline.setGuard(loadGuard(policy));
      const scenario = await loadScenario(name);
      for (const request of scenario.otlp) {
        const decoded = decodeOtlp(request.body, otlpEncodingOf(request.contentType)!, undefined);
        sent.records[decoded.signal]! += recordCount(decoded);
      }
      const result = await replayScenario(scenario, { url: pipeline.url });
      sent.otlp += result.otlp.length;
      sent.hooks += result.hooks.length;
      sent.guarded += scenario.hooks.filter((h) =>
        ['PreToolUse', 'PermissionRequest'].includes(h.event),
      ).length;
    }
    await pipeline.flush();
    samples = parseMetrics(await (await fetch(`${pipeline.url}/metrics`)).text());
  });
  afterAll(async () => pipeline?.close());

  it('counts every record received, by signal', () => {
    for (const signal of ['logs', 'traces', 'metrics'])
      expect(sum(samples, 'proofline_records_received_total', (l) => l.includes(`signal="${signal}"`))).toBe(
        sent.records[signal],
      );
  });

  it('counts every request answered, by route and status', () => {
    const otlpAnswered = sum(samples, 'proofline_http_requests_total', (l) =>
      /route="\/(v1\/(logs|traces|metrics))?"/.test(l),
    );
    expect(otlpAnswered).toBe(sent.otlp);
    expect(sum(samples, 'proofline_http_requests_total', (l) => l.includes('route="/v1/hook/:event"'))).toBe(
      sent.hooks,
    );
  });

  it('counts every guard decision, and times them', () => {
    expect(sum(samples, 'proofline_guard_decisions_total')).toBe(sent.guarded);
    expect(
      sum(samples, 'proofline_guard_decisions_total', (l) => l.includes('verdict="deny"')),
    ).toBeGreaterThan(0);
    expect(sum(samples, 'proofline_guard_decision_seconds_count')).toBe(sent.guarded);
  });

  it('counts every bundle and seal the data directory holds', async () => {
    const files = await readBundles(pipeline.dataDir);
    const sealsWritten = files.filter((f) => f.statement.predicateType === SEAL_PREDICATE_TYPE).length;
    expect(sum(samples, 'proofline_seals_written_total')).toBe(sealsWritten);
    expect(sum(samples, 'proofline_bundles_written_total')).toBe(files.length - sealsWritten);
    expect(sealsWritten).toBe(SCENARIOS.length);
  });

  it('reports readiness, no open session after the flush, and no write failure', () => {
    expect(samples.get('proofline_ready')).toBe(1);
    expect(samples.get('proofline_sessions_open')).toBe(0);
    expect(samples.get('proofline_assembler_write_failures_total')).toBe(0);
    expect(samples.get('proofline_store_bytes')).toBeGreaterThan(0);
  });
});

/** Records as OTLP counts them: log records, spans, metric data points. */
function recordCount(request: OtlpRequest): number {
  switch (request.signal) {
    case 'logs':
      return request.resourceLogs.flatMap((r) => r.scopeLogs ?? []).flatMap((s) => s.logRecords ?? []).length;
    case 'traces':
      return request.resourceSpans.flatMap((r) => r.scopeSpans ?? []).flatMap((s) => s.spans ?? []).length;
    case 'metrics':
      return request.resourceMetrics
        .flatMap((r) => r.scopeMetrics ?? [])
        .flatMap((s) => s.metrics ?? [])
        .map(
          (m) =>
            (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints?.length ?? 0,
        )
        .reduce((a, b) => a + b, 0);
  }
}
