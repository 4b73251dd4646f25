// What the three span-reporting families share (schemas/spans.md): the decide question, the GenAI
// `execute_tool` span of a call, its content attributes, and the `invoke_agent` span around a session.
import { nanos, type Millis } from '../clock.js';
import {
  attributes,
  SPAN_KIND_INTERNAL,
  STATUS_ERROR,
  STATUS_OK,
  type AttrInput,
  type OtlpJsonEvent,
  type OtlpJsonSpan,
} from '../otlp.js';
import { APPROVAL_WAIT_MS, type SessionPlan, type StepPlan } from '../plan.js';
import type { DecideBody } from '../trace.js';
import { CWD, toolInput } from '../workspace.js';

/** A refused call's span ends this long after it was proposed (or after the wait for a person). */
const REFUSAL_MS: Millis = 5n;

/** Outside Codex a shell tool is just `shell`; an MCP tool goes by its own name, its server named apart. */
function toolName(step: StepPlan): string {
  return step.step.tool === 'shell' ? 'shell' : step.step.mcp.tool;
}

/** The question POST /v1/decide is asked: always the call as proposed, before any rewrite. */
export function decideBody(plan: SessionPlan, step: StepPlan, mode: 'enforce' | 'post_hoc'): DecideBody {
  return {
    session_id: plan.sessionId,
    action_id: step.actionId,
    tool_name: toolName(step),
    tool_input: toolInput(step.step, false),
    cwd: CWD,
    ...(step.step.tool === 'mcp' ? { mcp_server: step.step.mcp.server } : {}),
    runtime_family: plan.family,
    time_unix_nano: nanos(step.proposedAt),
    mode,
  };
}

/** When a person's answer (approval, confirmation, or its timeout) arrived. */
export function answeredAt(step: StepPlan): Millis {
  return step.proposedAt + APPROVAL_WAIT_MS;
}

/**
 * The call's span, from its proposal to its end: when it ran, to the end of the run, with the status of the
 * outcome; when it did not, to the refusal (after the wait, when it waited for a person).
 */
export function executeToolSpan(
  plan: SessionPlan,
  step: StepPlan,
  options: {
    ran: boolean;
    attributes: Record<string, AttrInput | undefined>;
    events?: OtlpJsonEvent[];
    parentSpanId?: string;
  },
): OtlpJsonSpan {
  const refusedAt = (step.step.approval ? answeredAt(step) : step.proposedAt) + REFUSAL_MS;
  const tool = toolName(step);
  return {
    traceId: plan.traceId,
    spanId: step.spanId,
    ...(options.parentSpanId ? { parentSpanId: options.parentSpanId } : {}),
    name: `execute_tool ${tool}`,
    kind: SPAN_KIND_INTERNAL,
    startTimeUnixNano: nanos(step.proposedAt),
    endTimeUnixNano: nanos(options.ran ? step.endedAt : refusedAt),
    attributes: attributes({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': tool,
      'gen_ai.tool.call.id': step.actionId,
      ...options.attributes,
    }),
    ...(options.events && options.events.length > 0 ? { events: options.events } : {}),
    ...(options.ran ? { status: { code: step.step.success ? STATUS_OK : STATUS_ERROR } } : {}),
  };
}

/** GenAI's opt-in content attributes, as a gateway or a platform that sees the call's text reports them. */
export function contentAttributes(step: StepPlan, ran: boolean): Record<string, AttrInput | undefined> {
  return {
    'gen_ai.tool.call.arguments': JSON.stringify(toolInput(step.step, ran && step.rewritten)),
    'gen_ai.tool.call.result': ran ? step.step.output : undefined,
    'error.type': ran && !step.step.success ? 'tool_error' : undefined,
  };
}

export function spanEvent(
  name: string,
  at: Millis,
  values: Record<string, AttrInput | undefined>,
): OtlpJsonEvent {
  return { timeUnixNano: nanos(at), name, attributes: attributes(values) };
}

/** The agent run around the session's calls: their parent, exported when the session ends. */
export function invokeAgentSpan(plan: SessionPlan, agent: string): OtlpJsonSpan {
  return {
    traceId: plan.traceId,
    spanId: plan.rootSpanId,
    name: `invoke_agent ${agent}`,
    kind: SPAN_KIND_INTERNAL,
    startTimeUnixNano: nanos(plan.startedAt),
    endTimeUnixNano: nanos(plan.endedAt),
    attributes: attributes({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': agent,
      'gen_ai.conversation.id': plan.sessionId,
    }),
    status: { code: STATUS_OK },
  };
}
