// POST /v1/approvals answers a pending approval_gate request (`proofline approve` calls it); GET /v1/approvals
// lists the pending ones; GET /v1/approvals/<id> tells a waiting runtime where one stands. An answer is recorded
// durably as an `approval` observation before it is in force and before the POST answers, so a call let through
// on an approval always has the approval in the record.
import type { FastifyInstance } from 'fastify';

import type { ObservationPublisher } from '../../schemas/transport.js';
import { approvalObservation } from '../guard/approval-observation.js';
import { ApprovalError, type ApprovalDecision, type ApprovalStore } from '../guard/approvals.js';
import { nowUnixNano } from '../normalize/observation.js';
import { recordBeforeAnswering } from './record-first.js';

export interface ApprovalRouteDeps {
  approvals: ApprovalStore;
  publisher: ObservationPublisher;
}

/** The body of POST /v1/approvals. `decision` defaults to `approved`. */
export interface ApprovalRequestBody {
  id: string;
  approver: string;
  decision?: ApprovalDecision;
}

const STATUS_OF: Record<ApprovalError['code'], number> = { APPROVAL_UNKNOWN: 404, APPROVAL_ANSWERED: 409 };

export function registerApprovalRoutes(app: FastifyInstance, deps: ApprovalRouteDeps): void {
  app.get('/v1/approvals', async () => ({ pending: deps.approvals.pending() }));

  app.get<{ Params: { id: string } }>('/v1/approvals/:id', async (request) => ({
    id: request.params.id,
    status: deps.approvals.status(request.params.id),
  }));

  app.post('/v1/approvals', async (request, reply) => {
    const body = readApprovalBody(request.body);
    if (typeof body === 'string')
      return reply.code(400).send({ error: 'APPROVAL_REQUEST_INVALID', reason: body });
    let answered;
    try {
      answered = deps.approvals.answer(body.id, body.approver, body.decision ?? 'approved');
    } catch (error) {
      if (!(error instanceof ApprovalError)) throw error;
      return reply.code(STATUS_OF[error.code]).send({ error: error.code, reason: error.message });
    }
    const { grant, recorded } = answered;
    if (!recorded) {
      const observation = approvalObservation(grant, nowUnixNano());
      if (!(await recordBeforeAnswering(deps.publisher, [observation], request, reply))) return reply;
      deps.approvals.accept(grant);
    }
    return reply.send({ approval: grant });
  });
}

function readApprovalBody(body: unknown): ApprovalRequestBody | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'body must be a JSON object { id, approver, decision? }';
  const { id, approver, decision } = body as Record<string, unknown>;
  if (typeof id !== 'string' || !/^[0-9a-f]{16}$/.test(id)) return 'id must be the 16-hex approval id';
  if (typeof approver !== 'string' || approver.trim() === '') return 'approver must be a non-empty string';
  if (decision !== undefined && decision !== 'approved' && decision !== 'denied')
    return 'decision must be "approved" or "denied"';
  return { id, approver: approver.trim(), ...(decision === undefined ? {} : { decision }) };
}
