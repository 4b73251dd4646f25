// The observation every stored span becomes, whoever sent it: named `span:<name>`, timed at its start, with its
// place in the trace (parent-child edges for the dependency graph), its explicit `proofline.depends_on` links
// and its own attributes.
import { canonicalDigest } from '../../schemas/digest.js';
import type { AttrValue, ObservationKind, ObservationSource } from '../../schemas/observation.js';
import type { OtlpResource, OtlpSpan } from '../otlp/model.js';
import { flattenAttributes, payloadDigest, stringListAttribute, type FlatAttributes } from './attributes.js';
import type { NormalizedBatch } from './batch.js';
import type { ObservationDraft } from './observation.js';
import { runtimeFamily } from './runtime-family.js';
import { joinKeys } from './session.js';
import { SPAN } from '../../schemas/attributes.js';

export interface SpanFacts {
  source: ObservationSource;
  kind: ObservationKind;
  /** Normalized `proofline.*` keys. */
  attrs: Record<string, AttrValue>;
}

export function spanDraft(
  span: OtlpSpan,
  resource: OtlpResource | undefined,
  session: string,
  facts: SpanFacts,
  batch: NormalizedBatch,
  /** The span's attributes already flattened, when the caller needed them first. */
  flat: FlatAttributes = flattenAttributes(span.attributes, batch.options),
): ObservationDraft {
  const dependsOn = stringListAttribute(span.attributes, SPAN.dependsOn);
  return {
    source: facts.source,
    runtime_family: runtimeFamily(resource?.attributes, span.attributes),
    session_id: session,
    ...joinKeys(span.attributes),
    kind: facts.kind,
    name: `span:${span.name ?? ''}`,
    time_unix_nano: span.startTimeUnixNano ?? '0',
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    attrs: { ...flat.attrs, ...facts.attrs },
    payload_digest: payloadDigest(flat.contents),
    raw_digest: canonicalDigest(span),
    ...(dependsOn.length === 0 ? {} : { depends_on: dependsOn }),
  };
}
