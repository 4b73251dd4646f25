// OTLP spans into observations: sessions are attributed across the whole request first (a Codex trace names
// its conversation on a few spans only), then each span goes to the normalizer for what sent it.
import type { OtlpResource, OtlpResourceSpans, OtlpSpan } from '../otlp/model.js';
import { rawAttributes } from './attributes.js';
import type { NormalizedBatch } from './batch.js';
import { normalizeCodexSpan } from './codex-spans.js';
import { HookPayloadError } from '../../schemas/hook.js';
import { normalizeHookSpan } from './hooks.js';
import { isCodexService, runtimeFamily } from './runtime-family.js';
import { normalizeGenAiSpan } from './genai-spans.js';
import { attributeSpanSessions } from './session.js';
import { SPAN } from '../../schemas/attributes.js';

/** Hook calls made by a tool that runs hooks itself (schemas/observations.md, "Hook spans from other tools"). */
const HOOK_SPAN_NAME = SPAN.hookSpan;

export function normalizeSpans(resourceSpans: readonly OtlpResourceSpans[], batch: NormalizedBatch): void {
  const entries = resourceSpans.flatMap(({ resource, scopeSpans }) =>
    (scopeSpans ?? []).flatMap((scope) => (scope.spans ?? []).map((span) => ({ span, resource }))),
  );
  const sessions = attributeSpanSessions(entries.map(({ span }) => span));
  for (const { span, resource } of entries) {
    batch.received();
    const session = sessions.get(span);
    if (span.name === HOOK_SPAN_NAME) normalizeHookSpanRecord(span, resource, batch);
    else if (isCodexService(resource?.attributes)) normalizeCodexSpan(span, resource, session, batch);
    else normalizeGenAiSpan(span, resource, session, batch);
  }
}

function normalizeHookSpanRecord(
  span: OtlpSpan,
  resource: OtlpResource | undefined,
  batch: NormalizedBatch,
): void {
  try {
    batch.addObservations(
      normalizeHookSpan({
        // Unredacted: the hook normalizer digests the payload's command and redacts what it stores itself.
        attributes: rawAttributes(span.attributes),
        runtimeFamily: runtimeFamily(resource?.attributes, span.attributes),
        observedUnixNano: batch.options.observedUnixNano,
        storeContent: batch.options.storeContent,
      }),
    );
  } catch (error) {
    if (!(error instanceof HookPayloadError)) throw error;
    batch.reject('invalid_hook_span');
  }
}
