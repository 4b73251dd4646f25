// POST /v1/approvals answers a pending approval_gate request with a grant signed by a registered approver
// (`proofline approve` signs and posts it); GET /v1/approvals lists the pending ones with what a human needs
// to judge them (`proofline approvals`); GET /v1/approvals/<id> tells a waiting runtime where one stands. The
// bearer token alone approves nothing: the route accepts only a verified signed grant (approvals.ts). An
// answer is recorded durably as an `approval` observation, the signed grant in it, before it is in force and
// before the POST answers, so a call let through on an approval always has the approval in the record.
import type { FastifyInstance } from 'fastify';

import type { ObservationPublisher } from '../../schemas/transport.js';
import { approvalObservation } from '../guard/approval-observation.js';
import { ApprovalError, type ApprovalStore } from '../guard/approvals.js';
import { nowUnixNano } from '../normalize/observation.js';
import { recordBeforeAnswering } from './record-first.js';

export interface ApprovalRouteDeps {
  approvals: ApprovalStore;
  publisher: ObservationPublisher;
}

/** The body of POST /v1/approvals: the signed grant (schemas/approval-grant.ts). */
export interface ApprovalRequestBody {
  grant: unknown;
}

const STATUS_OF: Record<ApprovalError['code'], number> = {
  GRANT_MALFORMED: 400,
  APPROVERS_NONE: 403,
  APPROVER_UNKNOWN: 403,
  APPROVER_MISMATCH: 403,
  GRANT_SIGNATURE: 403,
  GRANT_CHALLENGE: 403,
  GRANT_MISMATCH: 403,
  GRANT_NOT_YET_VALID: 403,
  GRANT_EXPIRED: 403,
  GRANT_TOO_LONG: 403,
  APPROVAL_UNKNOWN: 404,
  APPROVAL_ANSWERED: 409,
};

export function registerApprovalRoutes(app: FastifyInstance, deps: ApprovalRouteDeps): void {
  app.get('/v1/approvals', async () => ({
    pending: deps.approvals.pending(),
    // Public: lets `proofline approve` name its key's holder and say early when the key is not registered.
    approvers: [...deps.approvals.approvers.values()].map(({ name, keyid }) => ({ name, keyid })),
  }));

  app.get<{ Params: { id: string } }>('/v1/approvals/:id', async (request) => ({
    id: request.params.id,
    status: deps.approvals.status(request.params.id),
  }));

  app.post('/v1/approvals', async (request, reply) => {
    const body = request.body as Partial<ApprovalRequestBody> | null;
    if (typeof body !== 'object' || body === null || body.grant === undefined)
      return reply.code(400).send({
        error: 'APPROVAL_REQUEST_INVALID',
        reason: 'body must be { grant }: a grant signed with a registered approver key (proofline approve)',
      });
    let answered;
    try {
      answered = deps.approvals.answer(body.grant);
    } catch (error) {
      if (!(error instanceof ApprovalError)) throw error;
      request.log.warn({ code: error.code, reason: error.message }, 'approval refused');
      return reply.code(STATUS_OF[error.code]).send({ error: error.code, reason: error.message });
    }
    const { grant, recorded } = answered;
    if (!recorded) {
      const observation = approvalObservation(grant, nowUnixNano());
      if (!(await recordBeforeAnswering(deps.publisher, [observation], request, reply))) return reply;
      deps.approvals.accept(grant);
      request.log.info(
        { approval_id: grant.id, decision: grant.decision, approver: grant.approver, keyid: grant.keyid },
        'approval recorded',
      );
    }
    return reply.send({ approval: grant });
  });
}
