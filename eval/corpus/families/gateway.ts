// gateway: an MCP/tool gateway in front of the agent's tools. It asks POST /v1/decide for each call it
// forwards, reports the GenAI `execute_tool` span with the call's content, and marks a call it refused
// `proofline.execution=false`. It cannot see the client's assumptions, so it reports none.
import type { FamilyEmitter } from '../family.js';
import { tracesTelemetry, type SpanSource } from '../otlp.js';
import { contentAttributes, decideBody, executeToolSpan } from './genai.js';
import { ATTR, SPAN } from '../../../schemas/attributes.js';

const GATEWAY: SpanSource = {
  resource: {
    'service.name': 'acme-mcp-gateway',
    'service.version': '0.9.4',
    [SPAN.runtimeFamily]: 'gateway',
  },
  scope: { name: 'acme-mcp-gateway', version: '0.9.4' },
};

export const gatewayEmitter: FamilyEmitter = {
  sessionStart: () => [],

  action(plan, step) {
    const lose = new Set(step.step.lose);
    // The gateway's one span per call carries both its open and its closure.
    const spanLost = lose.has('open') || lose.has('closure');
    const conversation = { 'gen_ai.conversation.id': plan.sessionId };
    const executed = executeToolSpan(plan, step, {
      ran: true,
      attributes: { ...conversation, ...contentAttributes(step, true) },
    });
    const refused = executeToolSpan(plan, step, {
      ran: false,
      attributes: { ...conversation, ...contentAttributes(step, false), [ATTR.execution]: false },
    });
    return {
      decide: { via: 'decide', body: decideBody(plan, step, 'enforce') },
      executed: spanLost ? [] : [tracesTelemetry(GATEWAY, [executed])],
      refused: [tracesTelemetry(GATEWAY, [refused])],
      dropped: spanLost ? ['open', 'closure'] : [],
    };
  },

  sessionEnd: () => [],
};
