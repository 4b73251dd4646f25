// POST /v1/hook/<Event>: the route bin/proofline-hook talks to. The body is the hook's stdin exactly as Codex
// wrote it; the answer's body is exactly what the hook prints, and the `x-proofline-hook-exit` header its exit
// code (0: the body is stdout; 2: the body is the reason for stderr), so the sh client never parses JSON. A payload the server cannot decide on is answered, not refused: a
// deny for PreToolUse and PermissionRequest, nothing for the other events. The server reads the assumption
// context itself (context.ts), from the payload's cwd.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { GuardDecision } from '../../schemas/guard.js';
import {
  GUARDED_EVENTS,
  HOOK_EXIT_HEADER,
  isHookEvent,
  type HookContext,
  type HookPayload,
} from '../../schemas/hook.js';
import { readWorkspaceContext } from '../hook/context.js';
import { cannotDecideAnswer, type HookAnswer } from '../hook/output.js';
import { MAX_HOOK_PAYLOAD_BYTES, readHookStdin } from '../hook/payload.js';

export interface AnsweredHookCall {
  answer: HookAnswer;
  decision?: GuardDecision;
}

/** Decides, records, and returns the answer; undefined when a 503 was sent instead (nothing was recorded).
 * `durableFirst: false` answers before the records are durable (they are published in order all the same). */
export type AnswerHookCall = (
  hook: HookPayload,
  context: HookContext | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
  options?: { durableFirst: boolean },
) => Promise<AnsweredHookCall | undefined>;

export interface HookRouteDeps {
  answerHookCall: AnswerHookCall;
}

interface HookRequest {
  Params: { event: string };
}

export async function hookRoute(app: FastifyInstance, deps: HookRouteDeps): Promise<void> {
  // Whatever the Content-Type, the body is bytes: the route reads them itself, with its own bounds.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_HOOK_PAYLOAD_BYTES },
    (_request, body, done) => done(null, body),
  );
  app.setErrorHandler(answerError);

  app.post<HookRequest>('/v1/hook/:event', async (request, reply) => {
    const { event } = request.params;
    if (!isHookEvent(event)) return unknownEvent(reply, event);
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const reading = readHookStdin(body, event);
    if ('problem' in reading) {
      request.log.warn({ event, problem: reading.problem }, 'hook payload refused');
      const answer = reading.block
        ? { stdout: `proofline: ${reading.problem}; blocked`, exitCode: 2 }
        : cannotDecideAnswer(event, reading.problem);
      return sendAnswer(reply, answer);
    }
    const { payload } = reading;
    // The receipt is taken when a tool call is proposed; a reading that fails leaves it without a context.
    const context =
      event === 'PreToolUse'
        ? await readWorkspaceContext(payload).catch((error: unknown) => {
            request.log.warn({ err: error }, 'workspace context not read');
            return undefined;
          })
        : undefined;
    // Only a decision must be durable before Codex acts on it. Every other event's answer is empty, and Codex
    // never retries a hook: a record the transport refuses is lost whether or not the answer waited for it, so
    // waiting (one fsync, most of a call's time) would buy Codex's turn nothing. They are published in order.
    const answered = await deps.answerHookCall(payload, context, request, reply, {
      durableFirst: GUARDED_EVENTS.has(event),
    });
    return answered ? sendAnswer(reply, answered.answer) : reply;
  });
}

function sendAnswer(reply: FastifyReply, answer: HookAnswer): FastifyReply {
  const isJson = answer.exitCode === 0 && answer.stdout !== '';
  return reply
    .code(200)
    .header(HOOK_EXIT_HEADER, String(answer.exitCode))
    .type(isJson ? 'application/json' : 'text/plain; charset=utf-8')
    .send(answer.stdout);
}

function unknownEvent(reply: FastifyReply, event: string): FastifyReply {
  return reply
    .code(404)
    .send({ error: 'UNKNOWN_HOOK_EVENT', reason: `"${event}" is not a Codex hook event` });
}

// Errors before or inside the handler (a body over the limit, a publisher that threw) still get a hook answer
// naming the problem, so Codex shows why a call was denied; the client would deny them anyway.
function answerError(
  error: FastifyError,
  request: FastifyRequest<HookRequest>,
  reply: FastifyReply,
): FastifyReply {
  const { event } = request.params;
  if (!isHookEvent(event)) return unknownEvent(reply, event);
  const status = error.statusCode ?? 500;
  if (status >= 500) request.log.error({ err: error }, 'hook call failed');
  else request.log.warn({ err: error }, 'hook call refused');
  const problem =
    error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? `hook stdin exceeds ${MAX_HOOK_PAYLOAD_BYTES} bytes`
      : status >= 500
        ? 'proofline could not decide (internal error, see the server log)'
        : `hook request refused: ${error.message}`;
  return sendAnswer(reply, cannotDecideAnswer(event, problem));
}
