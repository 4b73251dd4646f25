// The health and metrics routes of a process that serves no ingest port (`proofline assemble`): GET /healthz,
// /readyz and /metrics on loopback, so a supervisor and Prometheus can watch an assembler like a receiver.
import Fastify, { type FastifyInstance } from 'fastify';

import { registerHealthRoutes } from '../ingest/http/health-routes.js';
import type { Health } from './health.js';
import type { Metrics } from './metrics.js';

export async function startStatusServer(options: {
  host: string;
  port: number;
  health: Health;
  metrics: Metrics;
}): Promise<{ url: string; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify({ logger: false });
  registerHealthRoutes(app, () => options.health.readiness());
  options.metrics.instrument(app);
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
