// Wires the stages into one running pipeline: receiver (+ guard route) → transport → assembler → bundle
// store. This is the only place that knows all of them; each stage sees only the schemas between them.
import { mkdir } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { join, resolve } from 'node:path';

import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';

import { createAssembler, type Assembler } from '../assembler/assembler.js';
import { BundleStore } from '../assembler/bundle-store.js';
import { loadSigner } from '../assembler/keygen.js';
import { runAssembler } from '../assembler/run.js';
import { guardRoutes } from '../ingest/http/guard-route.js';
import { createReceiver } from '../ingest/http/receiver.js';
import { loadGuard } from '../policy/load.js';
import type { Guard } from '../schemas/guard.js';
import { openEmbeddedTransport, type EmbeddedTransport } from '../transport/embedded.js';
import { EMBEDDED_PARTITION } from '../transport/embedded-schema.js';

export const ASSEMBLER_VERSION = 'proofline-assembler/0.1.0';

export interface PipelineOptions {
  dataDir: string;
  host?: string;
  port?: number;
  token?: string;
  policyFile?: string;
  storeContent?: boolean;
  maxBodyBytes?: number;
  settleMs?: number;
  idleTimeoutMs?: number;
  logger?: Logger;
}

export interface Pipeline {
  url: string;
  dataDir: string;
  keyDir: string;
  app: FastifyInstance;
  assembler: Assembler;
  /** Replace the guard while running (SIGHUP reload, demo scenarios); the new digest is recorded from then on. */
  setGuard(guard: Guard): void;
  guard(): Guard;
  /** Bundle and seal everything held now, without waiting for settle or idle timers. */
  flush(): Promise<void>;
  /** Stop accepting, let the assembler finish its batch in flight, close the store. Pending sessions stay in
   * the durable log and are rebuilt on the next start. */
  close(): Promise<void>;
}

export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const dataDir = resolve(options.dataDir);
  const keyDir = join(dataDir, 'keys');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const logger = options.logger ?? pino({ level: 'silent' });
  let guard = loadGuard(options.policyFile);

  const transport: EmbeddedTransport = await openEmbeddedTransport({ path: join(dataDir, 'pipeline.duckdb') });
  const signer = await loadSigner(keyDir);
  const store = await BundleStore.open(dataDir, transport.connection);
  const assembler = createAssembler({
    store,
    signer,
    settleMs: options.settleMs ?? 30_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 600_000,
    assemblerVersion: ASSEMBLER_VERSION,
    logger,
  });
  const subscriber = transport.subscriber();
  const assembling = runAssembler(subscriber, assembler, { tickIntervalMs: 250 });
  assembling.catch((error: unknown) => logger.error({ err: error }, 'assembler stopped'));

  const storeContent = options.storeContent ?? false;
  const app = await createReceiver({
    publisher: transport.publisher,
    token: options.token,
    maxBodyBytes: options.maxBodyBytes,
    storeContent,
  });
  await app.register(guardRoutes, { guard: () => guard, publisher: transport.publisher, storeContent });
  const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 4318 });

  // Everything acknowledged so far must have reached the assembler before it seals: wait until it has read
  // to the end of the log, then flush (the assembler serializes the flush with the batches itself).
  const flush = async (): Promise<void> => {
    const end = await logEnd(transport);
    while (BigInt(assembler.readOffsets().get(EMBEDDED_PARTITION) ?? '0') < end) await delay(20);
    await assembler.flush();
  };

  return {
    url: address,
    dataDir,
    keyDir,
    app,
    assembler,
    setGuard: (next) => (guard = next),
    guard: () => guard,
    flush,
    async close() {
      await app.close();
      await transport.close();
      await assembling.catch(() => undefined);
    },
  };
}

/** The offset after the last record in the embedded log. */
async function logEnd(transport: EmbeddedTransport): Promise<bigint> {
  const result = await transport.connection.runAndReadAll('SELECT coalesce(max(seq) + 1, 0) AS next FROM observations');
  return BigInt(String(result.getRowObjects()[0]?.next ?? 0));
}
