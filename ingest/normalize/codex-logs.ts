// OTLP log records into observations. Codex services get the Codex event mapping (codex-events.ts); a record
// from any other service that names its session is kept as kind `other`. A record without a session cannot be
// placed in any proof and is rejected (partial_success), never dropped in silence.
import { canonicalDigest } from '../../schemas/digest.js';
import type { OtlpResourceLogs } from '../otlp/model.js';
import { flattenAttributes, payloadDigest, stringAttribute } from './attributes.js';
import type { NormalizedBatch } from './batch.js';
import { codexEventFacts } from './codex-events.js';
import { isCodexService, runtimeFamily } from './runtime-family.js';
import { genericSource, joinKeys, ownSessionId } from './session.js';
import { logRecordTime } from './time.js';

export function normalizeLogs(resourceLogs: readonly OtlpResourceLogs[], batch: NormalizedBatch): void {
  for (const { resource, scopeLogs } of resourceLogs) {
    const codex = isCodexService(resource?.attributes);
    for (const record of (scopeLogs ?? []).flatMap((scope) => scope.logRecords ?? [])) {
      batch.received();
      const attributes = record.attributes;
      const session = ownSessionId(attributes);
      if (!session) {
        batch.reject('no_session');
        continue;
      }
      // Codex's `eventName` field is the tracing callsite; the event is the `event.name` attribute. An empty one
      // names nothing (an Observation needs a name; found by test/fuzz/otlp-properties.test.ts).
      const name = stringAttribute(attributes, 'event.name') || record.eventName || 'log';
      const flat = flattenAttributes(attributes, batch.options);
      const facts = codex ? codexEventFacts(name, attributes, flat) : { kind: 'other' as const, attrs: {} };
      if (facts.kind === 'other') batch.unknownEvent(name);
      batch.add({
        source: codex ? 'codex.log' : genericSource(attributes),
        runtime_family: runtimeFamily(resource?.attributes, attributes),
        session_id: session,
        ...joinKeys(attributes),
        kind: facts.kind,
        name,
        time_unix_nano: logRecordTime(record, attributes),
        trace_id: record.traceId,
        span_id: record.spanId,
        attrs: { ...flat.attrs, ...facts.attrs },
        payload_digest: payloadDigest(flat.contents),
        raw_digest: canonicalDigest(record),
      });
    }
  }
}
