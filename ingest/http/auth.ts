// Bearer-token check for every route of the server, including routes other modules add later (it is a
// root-level onRequest hook). Tokens are compared as sha256 digests with timingSafeEqual, so neither their
// content nor their length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

import { otlpEncodingOf } from './body.js';
import { errorResponse } from './responses.js';

/** Liveness and readiness probes carry no credentials (a probe is configured once, by the supervisor). */
const OPEN_ROUTES = new Set(['GET /healthz', 'HEAD /healthz', 'GET /readyz', 'HEAD /readyz']);

export function bearerTokenHook(token: string): onRequestAsyncHookHandler {
  const expected = digest(token);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (OPEN_ROUTES.has(`${request.method} ${request.routeOptions.url}`)) return;
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return;
    const answer = errorResponse(
      401,
      presented === undefined ? 'missing bearer token' : 'wrong bearer token',
      otlpEncodingOf(request.headers['content-type']) ?? 'json',
    );
    return reply.code(401).header('www-authenticate', 'Bearer').type(answer.contentType).send(answer.body);
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
