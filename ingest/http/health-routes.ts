// GET /healthz (liveness: the process answers) and GET /readyz (readiness: 200, or 503 naming what keeps it
// from doing its job), on the receiver and on the status server of a process without one.
import type { FastifyInstance } from 'fastify';

export type Readiness = () => { ready: boolean; problems: Record<string, string> };

export function registerHealthRoutes(app: FastifyInstance, readiness: Readiness | undefined): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const { ready, problems } = readiness?.() ?? { ready: true, problems: {} };
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', problems });
  });
}
