// The OTLP/HTTP receiver: POST /v1/logs, /v1/traces, /v1/metrics and / (signal told from the content), in
// protobuf or JSON, optionally gzip/deflate. A request is answered 200 only once its observations are durable
// (publisher.publish resolved); a transport that cannot take them yields 503 + Retry-After so the exporter
// retries instead of losing them.
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';

import {
  RecordTooLargeError,
  TransportUnavailableError,
  type ObservationPublisher,
} from '../../schemas/transport.js';
import { readTls, type Config } from '../config.js';
import { decodeOtlp } from '../otlp/decode.js';
import { OtlpDecodeError } from '../otlp/errors.js';
import type { OtlpSignal } from '../otlp/model.js';
import { nowUnixNano } from '../normalize/observation.js';
import { normalizeOtlpRequest } from '../normalize/otlp-request.js';
import { ReceiverStats } from '../stats.js';
import { bearerTokenHook } from './auth.js';
import { registerHealthRoutes, type Readiness } from './health-routes.js';
import { decodedBody, OTLP_MEDIA_TYPES, otlpEncodingOf } from './body.js';
import { IngestHttpError } from './errors.js';
import { errorResponse, exportResponse, type EncodedBody } from './responses.js';

export type ReceiverOptions = Pick<
  Config,
  'token' | 'maxBodyBytes' | 'storeContent' | 'tlsCertFile' | 'tlsKeyFile'
> & {
  publisher: ObservationPublisher;
  /** Where every refused request is logged at warn (reason, never the payload); default: nowhere. */
  log?: FastifyBaseLogger;
  /** Where the receiver counts what it takes (GET /v1/status); default: its own. */
  stats?: ReceiverStats;
  /** What GET /readyz answers: 200 when ready, else 503 with the problems (default: always ready). */
  readiness?: Readiness;
};

const UNSUPPORTED_MEDIA_TYPE = 'Content-Type must be application/x-protobuf or application/json';

const SIGNAL_ROUTES: readonly [string, OtlpSignal | undefined][] = [
  ['/v1/logs', 'logs'],
  ['/v1/traces', 'traces'],
  ['/v1/metrics', 'metrics'],
  ['/', undefined],
];

export async function createReceiver(options: ReceiverOptions): Promise<FastifyInstance> {
  // HTTPS when a certificate is configured (`--tls-cert/--tls-key`); the files were checked by validate().
  const tls =
    options.tlsCertFile !== undefined || options.tlsKeyFile !== undefined ? readTls(options) : undefined;
  const app = Fastify({
    ...(tls ? { https: tls } : {}),
    ...(options.log ? { loggerInstance: options.log } : { logger: false }),
    // The JSON routes (hooks, decide, approvals) take what the OTLP routes take.
    bodyLimit: options.maxBodyBytes,
    // No line per request: refusals are logged below, and a busy receiver would drown the rest.
    logController: new LogController({ disableRequestLogging: true }),
  });
  if (options.token) app.addHook('onRequest', bearerTokenHook(options.token));
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400) {
      request.log.warn(
        {
          method: request.method,
          route: request.routeOptions.url ?? request.url.split('?')[0],
          status: reply.statusCode,
          reason: reasonOf(reply, payload),
        },
        'request refused',
      );
    }
    return payload;
  });
  const stats = options.stats ?? new ReceiverStats();
  // Encapsulated: the OTLP body parsers and error format do not leak onto routes others register on `app`.
  await app.register(async (otlp) => registerOtlpRoutes(otlp, options, stats));
  registerHealthRoutes(app, options.readiness);
  return app;
}

async function registerOtlpRoutes(
  app: FastifyInstance,
  options: ReceiverOptions,
  stats: ReceiverStats,
): Promise<void> {
  const { maxBodyBytes } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    Object.values(OTLP_MEDIA_TYPES),
    { parseAs: 'buffer', bodyLimit: maxBodyBytes },
    (_request, body, done) => done(null, body),
  );
  app.setErrorHandler(sendError);
  app.addHook('onResponse', async (_request, reply) => stats.recordResponse(reply.statusCode));

  for (const [path, signal] of SIGNAL_ROUTES) {
    app.post(path, async (request, reply) => {
      const encoding = otlpEncodingOf(request.headers['content-type']);
      if (!encoding || !Buffer.isBuffer(request.body)) {
        throw new IngestHttpError(415, 'UNSUPPORTED_MEDIA_TYPE', UNSUPPORTED_MEDIA_TYPE);
      }
      const body = await decodedBody(request.body, request.headers['content-encoding'], maxBodyBytes);
      const otlp = decodeOtlp(body, encoding, signal);
      const batch = normalizeOtlpRequest(otlp, {
        storeContent: options.storeContent,
        observedUnixNano: nowUnixNano(),
      });
      if (batch.observations.length > 0) await options.publisher.publish(batch.observations);
      stats.recordAcknowledged(otlp.signal, batch.stats, batch.observations.length);
      return send(reply, 200, exportResponse(otlp.signal, encoding, batch.stats));
    });
  }
  app.get('/v1/status', async () => stats.snapshot());
}

function sendError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  REFUSAL_REASON.set(reply, error.message);
  const encoding = otlpEncodingOf(request.headers['content-type']) ?? 'json';
  if (error instanceof RecordTooLargeError) {
    request.log.warn({ err: error }, 'record too large for the transport');
    return send(reply, 413, errorResponse(413, error.message, encoding));
  }
  if (error instanceof TransportUnavailableError) {
    request.log.warn({ err: error }, 'transport unavailable; asking the client to retry');
    reply.header('retry-after', String(error.retryAfterSeconds));
    return send(reply, 503, errorResponse(503, `transport unavailable: ${error.message}`, encoding));
  }
  const status = clientErrorStatus(error);
  if (status === undefined) {
    request.log.error({ err: error }, 'OTLP request failed');
    return send(reply, 500, errorResponse(500, `internal error: ${error.message}`, encoding));
  }
  // Fastify refuses unknown media types before the route runs; say which ones are known.
  const message =
    (error as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
      ? UNSUPPORTED_MEDIA_TYPE
      : error.message;
  return send(reply, status, errorResponse(status, message, encoding));
}

/** The 4xx a failure stands for: a malformed payload, a refused body, or one of fastify's own (size, media type). */
function clientErrorStatus(error: FastifyError | Error): number | undefined {
  if (error instanceof OtlpDecodeError) return 400;
  if (error instanceof IngestHttpError) return error.statusCode;
  const status = (error as FastifyError).statusCode;
  return status !== undefined && status >= 400 && status < 500 ? status : undefined;
}

/** The reason a refusal gave: our JSON answers carry `reason` (or `message`); an OTLP error answer's message
 * is kept on the reply by sendError (a protobuf Status is not read back). */
function reasonOf(reply: FastifyReply, payload: unknown): string | undefined {
  const kept = REFUSAL_REASON.get(reply);
  if (kept !== undefined) return kept;
  if (typeof payload !== 'string') return undefined;
  try {
    const body = JSON.parse(payload) as { reason?: unknown; message?: unknown; error?: unknown };
    const reason = body.reason ?? body.message ?? body.error;
    return typeof reason === 'string' ? reason : undefined;
  } catch {
    return undefined;
  }
}

const REFUSAL_REASON = new WeakMap<FastifyReply, string>();

function send(reply: FastifyReply, status: number, answer: EncodedBody): FastifyReply {
  return reply.code(status).type(answer.contentType).send(answer.body);
}
