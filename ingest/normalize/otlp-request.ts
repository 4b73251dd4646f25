// One decoded OTLP request into observations and its counts. Metrics carry no session or tool call: they are
// decoded and counted, never stored.
import type { OtlpMetric, OtlpRequest } from '../otlp/model.js';
import { NormalizedBatch, type NormalizeOptions } from './batch.js';
import { normalizeLogs } from './codex-logs.js';
import { normalizeSpans } from './spans.js';

export function normalizeOtlpRequest(request: OtlpRequest, options: NormalizeOptions): NormalizedBatch {
  const batch = new NormalizedBatch(options);
  switch (request.signal) {
    case 'logs':
      normalizeLogs(request.resourceLogs, batch);
      break;
    case 'traces':
      normalizeSpans(request.resourceSpans, batch);
      break;
    case 'metrics':
      for (const { scopeMetrics } of request.resourceMetrics) {
        for (const metric of (scopeMetrics ?? []).flatMap((scope) => scope.metrics ?? []))
          batch.received(dataPointCount(metric));
      }
      break;
  }
  return batch;
}

function dataPointCount(metric: OtlpMetric): number {
  const data =
    metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
  return data?.dataPoints?.length ?? 0;
}
