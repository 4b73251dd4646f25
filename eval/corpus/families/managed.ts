// managed_platform: a hosted agent that runs the tools itself, with no guard in front of them; proofline
// decides after the fact (POST /v1/decide, mode post_hoc). The platform's own confirmation of a call is a
// `proofline.approval` event; a call its confirmation refused, or that waited in vain, did not run.
import type { Checkpoint } from '../../../schemas/bundle.js';
import type { FamilyEmitter } from '../family.js';
import { tracesTelemetry, type SpanSource } from '../otlp.js';
import type { StepPlan } from '../plan.js';
import {
  answeredAt,
  contentAttributes,
  decideBody,
  executeToolSpan,
  invokeAgentSpan,
  spanEvent,
} from './genai.js';
import { ATTR, SPAN } from '../../../schemas/attributes.js';

const AGENT = 'hosted-agent';
const PLATFORM: SpanSource = {
  resource: { 'service.name': AGENT, [SPAN.runtimeFamily]: 'managed_platform' },
  scope: { name: AGENT, version: '2026.1' },
};
const DECISIONS = { approved: 'approved', denied: 'denied', expire: 'expired' } as const;

export const managedEmitter: FamilyEmitter = {
  sessionStart: () => [],

  action(plan, step) {
    const lose = new Set(step.step.lose);
    const spanLost = lose.has('open') || lose.has('closure');
    const ran = !step.refused;
    const span = executeToolSpan(plan, step, {
      ran,
      parentSpanId: plan.rootSpanId,
      attributes: {
        'gen_ai.conversation.id': plan.sessionId,
        ...contentAttributes(step, ran),
        ...(ran ? {} : { [ATTR.execution]: false }),
      },
      events: lose.has('approval') ? [] : confirmation(step),
    });
    const dropped: Checkpoint[] = spanLost
      ? ['open', 'approval', 'closure']
      : lose.has('approval')
        ? ['approval']
        : [];
    const reported = spanLost ? [] : [tracesTelemetry(PLATFORM, [span])];
    // The platform runs whatever proofline says: it reports the same either way.
    return {
      decide: { via: 'post_hoc', body: decideBody(plan, step, 'post_hoc') },
      executed: reported,
      refused: reported,
      dropped,
    };
  },

  sessionEnd: (plan) => [tracesTelemetry(PLATFORM, [invokeAgentSpan(plan, AGENT)])],
};

function confirmation(step: StepPlan) {
  const approval = step.step.approval;
  if (!approval) return [];
  return [
    spanEvent(SPAN.approvalEvent, answeredAt(step), {
      [ATTR.approvalDecision]: DECISIONS[approval.answer],
      [ATTR.approvalSource]: 'hosted-agent confirmation',
      [ATTR.approvalApprover]: approval.answer === 'expire' ? undefined : approval.approver,
      [ATTR.enforceability]: 'runtime_enforced',
    }),
  ];
}
