// The JSON routes that answer a runtime (a hook's decision, a /v1/decide decision, an approval) record what
// they decided before they answer. When the transport cannot take it, the answer is a 503 with Retry-After and
// nothing the route decided takes effect: `undo` gives back what the decision took.
import type { FastifyReply, FastifyRequest } from 'fastify';

import {
  RecordTooLargeError,
  TransportUnavailableError,
  type ObservationPublisher,
} from '../../schemas/transport.js';
import type { Observation } from '../../schemas/observation.js';

/** True when recorded; false when a 503 has been sent instead. Other failures are thrown (after `undo`). */
export async function recordBeforeAnswering(
  publisher: ObservationPublisher,
  observations: readonly Observation[],
  request: FastifyRequest,
  reply: FastifyReply,
  undo: () => void = () => undefined,
): Promise<boolean> {
  try {
    await publisher.publish(observations);
    return true;
  } catch (error) {
    undo();
    if (error instanceof RecordTooLargeError) {
      request.log.warn({ err: error, url: request.url }, 'not recorded: too large for the transport');
      await reply.code(413).send({ error: error.code, reason: error.message });
      return false;
    }
    if (!(error instanceof TransportUnavailableError)) throw error;
    request.log.warn({ err: error, url: request.url }, 'not recorded; refusing to answer');
    await reply
      .code(503)
      .header('retry-after', String(error.retryAfterSeconds))
      .send({ error: error.code, reason: error.message });
    return false;
  }
}
