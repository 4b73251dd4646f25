// The one-machine pipeline: both halves over the embedded DuckDB log (`serve`, `demo`, `eval`, the e2e tests).
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

import type { Assembler } from '../assembler/assembler.js';
import * as assemblerConfig from '../assembler/config.js';
import * as ingestConfig from '../ingest/config.js';
import type { Guard } from '../schemas/guard.js';
import type { ObservationPublisher } from '../schemas/transport.js';
import { openEmbeddedTransport, type EmbeddedTransport } from '../transport/embedded.js';
import { EMBEDDED_PARTITION } from '../transport/embedded-schema.js';
import { startAssembly, startIngest } from './stages.js';

/** The stages' configurations, each over its defaults (in-process callers set an ephemeral port, timers). */
export interface PipelineOptions {
  dataDir: string;
  ingest?: Partial<ingestConfig.Config>;
  assembler?: Partial<Omit<assemblerConfig.Config, 'dataDir'>>;
  logger?: Logger;
}

export interface Pipeline {
  url: string;
  dataDir: string;
  keyDir: string;
  app: FastifyInstance;
  assembler: Assembler;
  /** The log the receiver writes to: observations published here are assembled like received ones. */
  publisher: ObservationPublisher;
  setGuard(guard: Guard): void;
  guard(): Guard;
  /** Bundle and seal everything acknowledged so far, without waiting for settle or idle timers. */
  flush(): Promise<void>;
  /** Stop accepting, let the assembler finish its batch in flight, close the store. Pending sessions stay in
   * the durable log and are rebuilt on the next start. */
  close(): Promise<void>;
}

export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const dataDir = resolve(options.dataDir);
  const ingestStage = { ...ingestConfig.createDefaultConfig(), ...options.ingest };
  const assemblerStage = { ...assemblerConfig.createDefaultConfig(), ...options.assembler, dataDir };
  ingestConfig.validate(ingestStage);
  assemblerConfig.validate(assemblerStage);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const transport = await openEmbeddedTransport({ path: join(dataDir, 'pipeline.duckdb') });
  const subscriber = transport.subscriber();
  const assembly = await startAssembly(assemblerStage, {
    subscriber,
    connection: transport.connection,
    logger: options.logger,
  }).catch(async (error: unknown) => {
    await transport.close();
    throw error;
  });
  const ingest = await startIngest(ingestStage, transport.publisher);

  return {
    url: ingest.url,
    dataDir,
    keyDir: assembly.keyDir,
    app: ingest.app,
    assembler: assembly.assembler,
    publisher: transport.publisher,
    setGuard: ingest.setGuard,
    guard: ingest.guard,
    // Everything acknowledged must reach the assembler before it seals: wait until it has read to the end of
    // the log, then flush (the assembler serializes the flush with its batches itself).
    async flush() {
      const end = await logEnd(transport);
      const { assembler } = assembly;
      while (BigInt(assembler.readOffsets().get(EMBEDDED_PARTITION) ?? '0') < end) await delay(20);
      await assembler.flush();
    },
    // In this order: the assembler must be done with the shared DuckDB connection before the file closes
    // (a native handle used after close takes the process down).
    async close() {
      await ingest.close();
      await subscriber.close();
      await assembly.done.catch(() => undefined);
      await transport.close();
    },
  };
}

/** The offset after the last record in the embedded log. */
async function logEnd(transport: EmbeddedTransport): Promise<bigint> {
  const result = await transport.connection.runAndReadAll(
    'SELECT coalesce(max(seq) + 1, 0) AS next FROM observations',
  );
  return BigInt(String(result.getRowObjects()[0]?.next ?? 0));
}
