// Codex events, the same whether they arrive as log records (`codex.log`) or as span events (`codex.span`):
// their kind and the normalized `proofline.*` keys (schemas/observations.md, "Codex 0.169.0 mapping").
import { sha256Hex } from '../../schemas/digest.js';
import type { AttrValue, ObservationKind } from '../../schemas/observation.js';
import type { OtlpKeyValue } from '../otlp/model.js';
import { stringAttribute, type FlatAttributes } from './attributes.js';
import { readExecResult } from './codex-exec-result.js';
import { argumentsDigest } from './input-digest.js';
import { redactSecrets } from '../../schemas/redact.js';
import { ATTR } from '../../schemas/attributes.js';

// A Map, not an object: the names come off the wire, and `toString` or `constructor` must not find a kind.
const EVENT_KINDS: ReadonlyMap<string, ObservationKind> = new Map(
  Object.entries({
    'codex.conversation_starts': 'config',
    'codex.startup_phase': 'config',
    'codex.user_prompt': 'prompt',
    'codex.api_request': 'model_request',
    'codex.sse_event': 'model_request',
    'codex.turn_ttft': 'model_request',
    'codex.tool_decision': 'approval',
    'codex.tool_result': 'tool_result',
    'codex.agent_response': 'turn_end',
    'codex.tool_call_received': 'tool_proposed',
    // Dispatch finished: says nothing about whether the tool ran (a PreToolUse deny has one too).
    'codex.tool_result_ready': 'tool_result',
  }),
);

const TOOL_KINDS = new Set<ObservationKind>(['tool_proposed', 'approval', 'tool_started', 'tool_result']);

export interface EventFacts {
  kind: ObservationKind;
  attrs: Record<string, AttrValue>;
}

/** `flat`: flattenAttributes() of the same attributes. */
export function codexEventFacts(
  eventName: string,
  attributes: readonly OtlpKeyValue[] | undefined,
  { raw, contents }: FlatAttributes,
): EventFacts {
  const kind = EVENT_KINDS.get(eventName) ?? 'other';
  const attrs: Record<string, AttrValue> = {};
  const toolName = stringAttribute(attributes, 'tool_name');
  if (TOOL_KINDS.has(kind) && toolName) attrs[ATTR.toolName] = redactSecrets(toolName);

  switch (eventName) {
    case 'codex.conversation_starts':
      copyString(raw, 'approval_policy', attrs, ATTR.approvalPolicy);
      copyString(raw, 'sandbox_policy', attrs, ATTR.sandboxPolicy);
      break;
    case 'codex.tool_decision':
      if (typeof raw.decision === 'string')
        attrs[ATTR.approvalDecision] = raw.decision.startsWith('approved') ? 'approved' : 'denied';
      copyString(raw, 'source', attrs, ATTR.approvalSource);
      // Codex itself enforces its tool decision (approval policy + sandbox): the call cannot run without it.
      attrs[ATTR.enforceability] = 'runtime_enforced';
      break;
    case 'codex.tool_result': {
      // Codex's `success` is "true" for any command that ran, whatever its exit code: the outcome is the exit
      // code from the output preview, and unknown without one (codex-exec-result.ts).
      const result = readExecResult(raw.success, contents.output);
      if (result.exitCode !== undefined) {
        attrs[ATTR.exitCode] = result.exitCode;
        attrs[ATTR.success] = result.exitCode === 0;
      }
      if (result.ran === true) attrs[ATTR.execution] = true;
      // A call Codex refused is not a failed command: it closes as not executed (assembler/checkpoints.ts).
      if (result.refused) attrs[ATTR.runtimeRefused] = true;
      else if (result.ran === false) attrs[ATTR.success] = false;
      if (contents.output !== undefined) attrs[ATTR.outputDigest] = sha256Hex(contents.output);
      if (contents.arguments !== undefined) {
        attrs[ATTR.inputDigest] = argumentsDigest(contents.arguments);
        if (asksEscalation(contents.arguments)) attrs[ATTR.escalated] = true;
      }
      break;
    }
  }
  return { kind, attrs };
}

/** The model asked to run the command outside the sandbox (`sandbox_permissions: "require_escalated"`). */
function asksEscalation(argumentsText: string): boolean {
  try {
    const parsed = JSON.parse(argumentsText) as { sandbox_permissions?: unknown } | null;
    return parsed?.sandbox_permissions === 'require_escalated';
  } catch {
    return false;
  }
}

function copyString(
  raw: Record<string, AttrValue>,
  from: string,
  attrs: Record<string, AttrValue>,
  to: string,
): void {
  const value = raw[from];
  if (typeof value === 'string') attrs[to] = redactSecrets(value);
}
