// Which runtime family a record comes from (ARCHITECTURE.md §3). An explicit `proofline.runtime.family` wins (the
// record's over its resource's); otherwise Codex services are `tool_hook` (Codex CLI and its hooks) and
// everything else is `framework_sdk`, the family of agents instrumented through an SDK.
import { RUNTIME_FAMILIES, type RuntimeFamily } from '../../schemas/observation.js';
import type { OtlpKeyValue } from '../otlp/model.js';
import { stringAttribute } from './attributes.js';
import { SPAN } from '../../schemas/attributes.js';

const RUNTIME_FAMILY_KEY = SPAN.runtimeFamily;
const DEFAULT_RUNTIME_FAMILY: RuntimeFamily = 'framework_sdk';

/** `codex_exec` (codex exec), `codex-cli` (older builds), `codex_tui`, ... */
export function isCodexService(resourceAttributes: readonly OtlpKeyValue[] | undefined): boolean {
  return /^codex(?:[_-]|$)/.test(stringAttribute(resourceAttributes, 'service.name') ?? '');
}

export function runtimeFamily(
  resourceAttributes: readonly OtlpKeyValue[] | undefined,
  recordAttributes: readonly OtlpKeyValue[] | undefined,
): RuntimeFamily {
  for (const attributes of [recordAttributes, resourceAttributes]) {
    const explicit = stringAttribute(attributes, RUNTIME_FAMILY_KEY);
    if (RUNTIME_FAMILIES.includes(explicit as RuntimeFamily)) return explicit as RuntimeFamily;
  }
  return isCodexService(resourceAttributes) ? 'tool_hook' : DEFAULT_RUNTIME_FAMILY;
}
