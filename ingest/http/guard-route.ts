// The hook routes and the session state they share with /v1/decide and the approval routes (one SessionGuard
// per registration, i.e. per receiver). POST /v1/guard takes `{hook, context?}` and answers JSON; POST
// /v1/hook/<Event> (hook-route.ts) is what the hook client talks to. Both go through answerHookCall: decide
// (PreToolUse, PermissionRequest) in the session's context, record the hook call as observations, make them
// durable, and only then answer, so a decision Codex acts on is never one proofline failed to record (the hook
// route lets the events without a decision skip the wait: see there).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

import type { SelfProtection } from '../../policy/self-protection.js';
import type { ApproverSet } from '../../schemas/approvers.js';
import type { Guard } from '../../schemas/guard.js';
import type { ObservationPublisher } from '../../schemas/transport.js';
import { ApprovalStore, type PendingApproval } from '../guard/approvals.js';
import { SessionContexts } from '../guard/session-context.js';
import { SessionGuard } from '../guard/session-guard.js';
import {
  GUARDED_EVENTS,
  HookPayloadError,
  readGuardRequestBody,
  type GuardRequestBody,
  type GuardResponseBody,
} from '../../schemas/hook.js';
import { hookAnswer } from '../hook/output.js';
import { guardRequestFromHook, normalizeHookCall } from '../normalize/hooks.js';
import { nowUnixNano } from '../normalize/observation.js';
import { registerApprovalRoutes } from './approval-routes.js';
import { registerDecideRoute } from './decide-route.js';
import { hookRoute, type AnswerHookCall } from './hook-route.js';
import { recordBeforeAnswering } from './record-first.js';

export interface GuardRouteDeps {
  /** The current guard; a function because the policy can be reloaded while the server runs. */
  guard: () => Guard;
  publisher: ObservationPublisher;
  storeContent: boolean;
  /** Who may answer an approval_gate (`--approvers`); none: nothing can be approved. */
  approvers?: ApproverSet;
  /** proofline's own files and server, guarded in front of the policy; default: what every deployment has. */
  selfProtection?: SelfProtection;
  /** Where a new approval request is announced to the human (default: the app's logger). */
  logger?: Pick<Logger, 'info'>;
  /** Session ancestry, open obligations and approvals; default: fresh, in this process's memory. */
  sessionGuard?: SessionGuard;
}

export async function guardRoutes(app: FastifyInstance, deps: GuardRouteDeps): Promise<void> {
  const logger = deps.logger ?? app.log;
  const sessionGuard =
    deps.sessionGuard ??
    new SessionGuard(
      new SessionContexts(),
      new ApprovalStore({
        ...(deps.approvers ? { approvers: deps.approvers } : {}),
        onRequest: (pending) => logger.info(announcement(pending), 'approval requested'),
      }),
      deps.selfProtection,
    );
  registerApprovalRoutes(app, { approvals: sessionGuard.approvals, publisher: deps.publisher });
  registerDecideRoute(app, { ...deps, sessionGuard });
  const answerHookCall: AnswerHookCall = async (hook, context, request, reply, options) => {
    const event = hook.hook_event_name;
    // The sandbox the call runs under, recorded with the decision (session-confinement.ts).
    const confinement = GUARDED_EVENTS.has(event) ? await sessionGuard.confinements.read(hook) : undefined;
    const decided = GUARDED_EVENTS.has(event)
      ? sessionGuard.decide(deps.guard(), {
          ...guardRequestFromHook(hook),
          ...(confinement ? { confinement } : {}),
        })
      : undefined;
    const decision = decided?.decision;
    const observations = normalizeHookCall(hook, {
      decision,
      ...(decided ? { decisionContext: decided.context } : {}),
      context,
      storeContent: deps.storeContent,
      observedUnixNano: nowUnixNano(),
    });
    if (!decided && options?.durableFirst === false) {
      deps.publisher
        .publish(observations)
        .catch((error: unknown) => request.log.error({ err: error, event }, 'hook call not recorded'));
      return { answer: hookAnswer(event, undefined) };
    }
    if (
      !(await recordBeforeAnswering(deps.publisher, observations, request, reply, () => decided?.abandon()))
    )
      return undefined;
    decided?.commit();
    return { answer: hookAnswer(event, decision), ...(decision ? { decision } : {}) };
  };
  // Encapsulated: the hook route's raw-body parser and error answers stay on its own route.
  await app.register(hookRoute, { answerHookCall });

  app.post('/v1/guard', async (request, reply) => {
    let body: GuardRequestBody;
    try {
      body = readGuardRequestBody(request.body);
    } catch (error) {
      if (error instanceof HookPayloadError)
        return reply.code(400).send({ error: error.code, reason: error.message });
      throw error;
    }
    const answered = await answerHookCall(body.hook, body.context, request, reply);
    if (!answered) return reply;
    const { answer, decision } = answered;
    const response: GuardResponseBody = {
      stdout: answer.stdout,
      exit_code: answer.exitCode,
      ...(answer.stderr === undefined ? {} : { stderr: answer.stderr }),
      ...(decision ? { decision } : {}),
    };
    return reply.send(response);
  });
}

/** What the server log says of a new approval request: everything the human needs, and the command to run. */
function announcement(pending: PendingApproval): Record<string, unknown> {
  const { id, session_id, tool_name, command, rule, reason, expires_at_ms } = pending;
  return {
    approval_id: id,
    session_id,
    tool_name,
    ...(command === undefined ? {} : { command }),
    ...(rule === undefined ? {} : { rule }),
    reason,
    expires_at: new Date(expires_at_ms).toISOString(),
    approve_with: `proofline approve ${id} --key <approver key>`,
  };
}
