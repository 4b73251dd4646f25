// framework_sdk: an agent built on a framework and instrumented with proofline/sdk (schemas/spans.md, "What
// proofline/sdk emits"). The SDK asks POST /v1/decide, reports digests rather than content, records the
// assumptions the call runs under and, when an approval times out, says so on the span.
import type { Checkpoint } from '../../../schemas/bundle.js';
import { sha256Hex } from '../../../schemas/digest.js';
import type { FamilyEmitter } from '../family.js';
import { tracesTelemetry, type AttrInput, type SpanSource } from '../otlp.js';
import type { SessionPlan, StepPlan } from '../plan.js';
import { CWD, inputDigest, localContext, toolInput } from '../workspace.js';
import { answeredAt, decideBody, executeToolSpan, invokeAgentSpan, spanEvent } from './genai.js';
import { ATTR, SPAN } from '../../../schemas/attributes.js';

const AGENT = 'acme-agent';
const RESOURCE = {
  'service.name': AGENT,
  'service.version': '1.8.2',
  [SPAN.runtimeFamily]: 'framework_sdk',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.version': '2.2.0',
};
const SDK: SpanSource = { resource: RESOURCE, scope: { name: 'proofline/sdk', version: '0.1.0' } };
const FRAMEWORK: SpanSource = { resource: RESOURCE, scope: { name: AGENT, version: '1.8.2' } };
/** The assumptions are recorded just before the call runs. */
const ASSUMED_BEFORE_RUN_MS = 20n;

export const sdkEmitter: FamilyEmitter = {
  sessionStart: () => [],

  action(plan, step) {
    const lose = new Set(step.step.lose);
    // The span is exported when the SDK ends it: a runtime that dies mid-call loses it, open and closure both.
    const spanLost = lose.has('open') || lose.has('closure');
    const executedSpan = executeToolSpan(plan, step, {
      ran: true,
      parentSpanId: plan.rootSpanId,
      attributes: {
        ...createdWith(plan, step),
        [ATTR.execution]: true,
        [ATTR.success]: step.step.success,
        [ATTR.outputDigest]: sha256Hex(step.step.output),
      },
      events: lose.has('assumption') ? [] : [assumption(plan, step)],
    });
    const refusedSpan = executeToolSpan(plan, step, {
      ran: false,
      parentSpanId: plan.rootSpanId,
      attributes: { ...createdWith(plan, step), [ATTR.execution]: false },
      events:
        step.step.approval?.answer === 'expire'
          ? [
              spanEvent(SPAN.approvalEvent, answeredAt(step), {
                [ATTR.approvalDecision]: 'expired',
                [ATTR.approvalSource]: 'proofline approve',
                [ATTR.enforceability]: 'approval_orchestrated',
              }),
            ]
          : [],
    });
    const dropped: Checkpoint[] = spanLost
      ? ['open', 'assumption', 'closure']
      : lose.has('assumption')
        ? ['assumption']
        : [];
    return {
      decide: { via: 'decide', body: decideBody(plan, step, 'enforce') },
      executed: spanLost ? [] : [tracesTelemetry(SDK, [executedSpan])],
      refused: [tracesTelemetry(SDK, [refusedSpan])],
      dropped,
    };
  },

  sessionEnd: (plan) => [tracesTelemetry(FRAMEWORK, [invokeAgentSpan(plan, AGENT)])],
};

/** What `createAction` puts on the span: the input is digested as proposed, before any rewrite. */
function createdWith(plan: SessionPlan, step: StepPlan): Record<string, AttrInput | undefined> {
  const refs = step.dependsOn.map((dependency) => `span:${plan.traceId}/${dependency.spanId}`);
  return {
    [SPAN.sessionId]: plan.sessionId,
    'gen_ai.conversation.id': plan.sessionId,
    [ATTR.inputDigest]: inputDigest(toolInput(step.step, false)),
    [SPAN.dependsOn]: refs.length > 0 ? refs : undefined,
  };
}

function assumption(plan: SessionPlan, step: StepPlan) {
  const context = localContext(plan.seed.id, step.step);
  return spanEvent(SPAN.assumptionEvent, step.startedAt - ASSUMED_BEFORE_RUN_MS, {
    [ATTR.cwd]: CWD,
    [ATTR.gitHead]: context.git_head ?? undefined,
    [ATTR.files]: JSON.stringify(context.files),
  });
}
