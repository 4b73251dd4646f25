// Shared by the ingest tests: a fake publisher that keeps what it is given, a real receiver on a loopback port,
// and the recorded Codex requests of each fixture scenario.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { FastifyInstance } from 'fastify';

import { loadScenario, type OtlpRequest } from '../../service/replay.js';
import { createDefaultConfig } from '../../ingest/config.js';
import { createReceiver, type ReceiverOptions } from '../../ingest/http/receiver.js';
import type { Observation } from '../../schemas/observation.js';
import type { ObservationPublisher } from '../../schemas/transport.js';

export const SCENARIOS_DIR = fileURLToPath(new URL('../fixtures/codex-0.169.0/scenarios/', import.meta.url));

/** Keeps every published batch in memory; `failWith` makes the next publishes reject. */
export class FakePublisher implements ObservationPublisher {
  readonly observations: Observation[] = [];
  failWith: Error | undefined;

  async publish(observations: readonly Observation[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.observations.push(...observations);
  }

  async close(): Promise<void> {}
}

export interface RunningReceiver {
  app: FastifyInstance;
  url: string;
  publisher: FakePublisher;
  close(): Promise<void>;
}

/** `extend` registers more routes before the server listens, as other modules do on the real server. */
export async function startReceiver(
  options: Partial<ReceiverOptions> = {},
  extend?: (app: FastifyInstance) => unknown,
): Promise<RunningReceiver> {
  const publisher = new FakePublisher();
  const { maxBodyBytes, storeContent } = createDefaultConfig();
  const app = await createReceiver({ publisher, maxBodyBytes, storeContent, ...options });
  extend?.(app);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: address, publisher, close: () => app.close() };
}

export type { OtlpRequest as RecordedRequest } from '../../service/replay.js';

export function scenarioNames(): string[] {
  return readdirSync(SCENARIOS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** A scenario's OTLP requests in arrival order, as the sink saved them. */
export async function recordedRequests(scenario: string): Promise<OtlpRequest[]> {
  return (await loadScenario(scenario)).otlp;
}

export async function post(
  url: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers });
}
