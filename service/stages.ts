// The two halves every deployment is made of, each bound to whatever transport it is given: the ingest half
// (OTLP receiver + guard routes → a publisher) and the assembly half (a subscriber → assembler → bundle store).
// `serve` runs both over the embedded log; `ingest --kafka` and `assemble --kafka` run one each over Kafka.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import type { DuckDBConnection } from '@duckdb/node-api';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';

import { createAssembler, type Assembler, type StepReport } from '../assembler/assembler.js';
import { BundleStore } from '../assembler/bundle-store.js';
import type * as assemblerConfig from '../assembler/config.js';
import { loadSigner } from '../assembler/keygen.js';
import { runAssembler } from '../assembler/run.js';
import type * as ingestConfig from '../ingest/config.js';
import { guardRoutes } from '../ingest/http/guard-route.js';
import { createReceiver } from '../ingest/http/receiver.js';
import { loadGuard } from '../policy/load.js';
import { SelfProtection, type SelfProtectionConfig } from '../policy/self-protection.js';
import { readApproversFile, type ApproverSet } from '../schemas/approvers.js';
import type { Guard } from '../schemas/guard.js';
import type { ObservationPublisher, ObservationSubscriber } from '../schemas/transport.js';
import { BundleOutbox, type BundleSink } from './bundle-outbox.js';

export const ASSEMBLER_VERSION = 'proofline-assembler/0.1.0';

export interface IngestStage {
  url: string;
  app: FastifyInstance;
  /** Replace the guard while running (SIGHUP reload, demo scenarios); its digest is recorded from then on. */
  setGuard(guard: Guard): void;
  guard(): Guard;
  /** Whose signed grants answer an approval_gate (`--approvers`). */
  approvers: ApproverSet;
  close(): Promise<void>;
}

export interface IngestDeps {
  logger?: Logger;
  /** Files of this deployment the agent must not touch beyond the ingest stage's own (the data directory). */
  protectedPaths?: SelfProtectionConfig['paths'];
}

export async function startIngest(
  config: ingestConfig.Config,
  publisher: ObservationPublisher,
  deps: IngestDeps = {},
): Promise<IngestStage> {
  let guard = loadGuard(config.policyFile);
  const approvers = config.approversFile === undefined ? new Map() : readApproversFile(config.approversFile);
  const app = await createReceiver({
    publisher,
    token: config.token,
    maxBodyBytes: config.maxBodyBytes,
    storeContent: config.storeContent,
  });
  // The port is known once it listens (`--port 0` picks one).
  const listening: { address?: { host: string; port: number } } = {};
  const selfProtection = new SelfProtection({
    paths: [
      ...(deps.protectedPaths ?? []),
      ...(config.policyFile
        ? [{ path: resolve(config.policyFile), dir: false, what: 'the guard policy' }]
        : []),
      ...(config.approversFile
        ? [{ path: resolve(config.approversFile), dir: false, what: "proofline's approvers file" }]
        : []),
    ],
    server: () => listening.address,
  });
  await app.register(guardRoutes, {
    guard: () => guard,
    publisher,
    storeContent: config.storeContent,
    approvers,
    selfProtection,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  const url = await app.listen({ host: config.host, port: config.port });
  listening.address = { host: config.host, port: Number(new URL(url).port) };
  return {
    url,
    app,
    setGuard: (next) => (guard = next),
    guard: () => guard,
    approvers,
    close: () => app.close(),
  };
}

export interface AssemblyDeps {
  subscriber: ObservationSubscriber;
  /** DuckDB connection for the bundle index (the embedded log's file, or the assembler's own). */
  connection: DuckDBConnection;
  bundleSink?: BundleSink;
  logger?: Logger;
}

export interface AssemblyStage {
  assembler: Assembler;
  keyDir: string;
  /** Settles when the subscriber stops; rejects if assembling failed. */
  done: Promise<void>;
}

export async function startAssembly(
  config: assemblerConfig.Config,
  deps: AssemblyDeps,
): Promise<AssemblyStage> {
  const dataDir = resolve(config.dataDir);
  const keyDir = join(dataDir, 'keys');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const logger = deps.logger ?? pino({ level: 'silent' });
  const store = await BundleStore.open(dataDir, deps.connection);
  const core = createAssembler({
    store,
    signer: await loadSigner(keyDir),
    settleMs: config.settleMs,
    idleTimeoutMs: config.idleTimeoutMs,
    assemblerVersion: ASSEMBLER_VERSION,
    logger,
  });
  let assembler = core;
  if (deps.bundleSink) {
    const outbox = await BundleOutbox.open(deps.connection, dataDir, deps.bundleSink);
    const resent = await outbox.sendPending();
    if (resent > 0) logger.info({ resent }, 'bundles written before a restart handed to the sink');
    assembler = forwardingBundles(core, outbox);
  }
  const done = runAssembler(deps.subscriber, assembler, { tickIntervalMs: config.tickIntervalMs });
  done.catch((error: unknown) => logger.error({ err: error }, 'assembler stopped'));
  return { assembler, keyDir, done };
}

/** Hands every bundle and seal a step wrote to the sink (through the outbox) before the step returns, so the
 * run loop commits offsets only once the bundles are in the data directory and with the sink. */
function forwardingBundles(assembler: Assembler, outbox: BundleOutbox): Assembler {
  const forward = async (report: StepReport): Promise<StepReport> => {
    await outbox.send([...report.bundled.map((b) => b.path), ...report.sealed.map((s) => s.path)]);
    return report;
  };
  return {
    ...assembler,
    handle: async (deliveries) => forward(await assembler.handle(deliveries)),
    tick: async () => forward(await assembler.tick()),
    flush: async () => forward(await assembler.flush()),
  };
}
