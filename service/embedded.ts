// The one-machine pipeline: both halves over the embedded DuckDB log (`serve`, `demo`, `eval`, the e2e tests).
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

import type { Assembler } from '../assembler/assembler.js';
import { recordApprovers } from '../assembler/keygen.js';
import * as assemblerConfig from '../assembler/config.js';
import * as ingestConfig from '../ingest/config.js';
import type { Guard } from '../schemas/guard.js';
import type { ObservationPublisher } from '../schemas/transport.js';
import { openEmbeddedTransport, type EmbeddedTransport } from '../transport/embedded.js';
import { EMBEDDED_PARTITION } from '../transport/embedded-schema.js';
import { loadGuard } from '../policy/load.js';
import { Health } from './health.js';
import { Metrics } from './metrics.js';
import { startAssembly, startIngest, type AssemblyStage, type IngestStage } from './stages.js';

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
  /** Rejects when the assembly stage stopped for good (serve then exits non-zero). */
  done: Promise<void>;
  /** What GET /readyz reports. */
  health: Health;
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
  const guard = loadGuard(ingestStage.policyFile);
  const health = new Health();
  const metrics = new Metrics();
  metrics.observeHealth(health);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const transport = await openEmbeddedTransport({ path: join(dataDir, 'pipeline.duckdb') });
  const subscriber = transport.subscriber();
  let assembly: AssemblyStage | undefined;
  let ingest: IngestStage;
  try {
    assembly = await startAssembly(assemblerStage, {
      subscriber,
      connection: transport.connection,
      spillQuietSessions: true,
      health,
      metrics,
      logger: options.logger,
    });
    ingest = await startIngest(ingestStage, transport.publisher, {
      guard,
      health,
      metrics,
      ...(options.logger ? { logger: options.logger } : {}),
      protectedPaths: [{ path: dataDir, dir: true, what: "proofline's data directory" }],
    });
    // The approvers this server trusts, beside its public keys: `proofline verify` checks grants against them.
    await recordApprovers(assembly.keyDir, ingest.approvers);
  } catch (error) {
    // Nothing half-started may keep the process alive: the caller exits with the error.
    await subscriber.close();
    await assembly?.done.catch(() => undefined);
    await transport.close();
    throw error;
  }
  const started = assembly;
  const lag = watchLag(transport, started, health, assemblerStage.maxLagRecords);
  metrics.observeAssembler(started.assembler, join(dataDir, 'pipeline.duckdb'), () => lag.records);

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
      const { assembler } = started;
      let failed: unknown;
      started.done.catch((error: unknown) => (failed = error ?? new Error('the assembler stopped')));
      while (BigInt(assembler.readOffsets().get(EMBEDDED_PARTITION) ?? '0') < end) {
        if (failed !== undefined) throw failed;
        await delay(20);
      }
      await assembler.flush();
    },
    done: started.done,
    health,
    // In this order: the assembler must be done with the shared DuckDB connection before the file closes
    // (a native handle used after close takes the process down).
    async close() {
      clearInterval(lag.timer);
      await ingest.close();
      await started.stop();
      await transport.close();
    },
  };
}

/** Measures how many acknowledged records the assembler has still to read, and reports it not ready while
 * that is more than `maxLag`. */
function watchLag(
  transport: EmbeddedTransport,
  assembly: AssemblyStage,
  health: Health,
  maxLag: number,
): { timer: NodeJS.Timeout; records: number } {
  const lag = { records: 0 } as { timer: NodeJS.Timeout; records: number };
  lag.timer = setInterval(() => {
    logEnd(transport)
      .then((end) => {
        const read = BigInt(assembly.assembler.readOffsets().get(EMBEDDED_PARTITION) ?? '0');
        lag.records = Number(end - read);
        health.report(
          'assembler.lag',
          lag.records > maxLag
            ? `${lag.records} acknowledged records not yet read by the assembler`
            : undefined,
        );
      })
      .catch(() => undefined);
  }, LAG_CHECK_MS);
  lag.timer.unref();
  return lag;
}

const LAG_CHECK_MS = 2000;

/** The offset after the last record in the embedded log. */
async function logEnd(transport: EmbeddedTransport): Promise<bigint> {
  const result = await transport.connection.runAndReadAll(
    'SELECT coalesce(max(seq) + 1, 0) AS next FROM observations',
  );
  return BigInt(String(result.getRowObjects()[0]?.next ?? 0));
}
