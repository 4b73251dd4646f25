// POST /v1/decide: the guard for runtimes without Codex hooks (proofline/sdk, gateways) and the post-hoc check
// of a managed platform's calls (schemas/spans.md, "The decide API"). Same engine and session state as
// /v1/guard; the decision is durable before the answer is sent, so a runtime never acts on an unrecorded one.
import type { FastifyInstance } from 'fastify';

import type { Guard } from '../../schemas/guard.js';
import type { ObservationPublisher } from '../../schemas/transport.js';
import type { SessionGuard } from '../guard/session-guard.js';
import {
  DecideRequestError,
  decisionObservation,
  guardRequestFromDecide,
  readDecideRequest,
} from '../normalize/decide.js';
import { nowUnixNano } from '../normalize/observation.js';
import { recordBeforeAnswering } from './record-first.js';

export interface DecideRouteDeps {
  guard: () => Guard;
  publisher: ObservationPublisher;
  storeContent: boolean;
  sessionGuard: SessionGuard;
}

export function registerDecideRoute(app: FastifyInstance, deps: DecideRouteDeps): void {
  app.post('/v1/decide', async (request, reply) => {
    let asked;
    try {
      asked = readDecideRequest(request.body);
    } catch (error) {
      if (!(error instanceof DecideRequestError)) throw error;
      return reply.code(400).send({ error: error.code, reason: error.message });
    }
    const decided = deps.sessionGuard.decide(deps.guard(), guardRequestFromDecide(asked), {
      postHoc: asked.mode === 'post_hoc',
    });
    const observation = decisionObservation(asked, decided.decision, decided.context, {
      storeContent: deps.storeContent,
      observedUnixNano: nowUnixNano(),
    });
    if (!(await recordBeforeAnswering(deps.publisher, [observation], request, reply, decided.abandon)))
      return reply;
    decided.commit();
    const { approval_id } = decided.context;
    return reply.send({
      decision: decided.decision,
      ...(approval_id === undefined || decided.decision.route !== 'approval_gate' ? {} : { approval_id }),
    });
  });
}
