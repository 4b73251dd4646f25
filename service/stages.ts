// The two halves every deployment is made of, each bound to whatever transport it is given: the ingest half
// (OTLP receiver + guard routes → a publisher) and the assembly half (a subscriber → assembler → bundle store).
// `serve` runs both over the embedded log; `ingest --kafka` and `assemble --kafka` run one each over Kafka.
import { chmod, mkdir, stat } from 'node:fs/promises';
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
import type { Guard } from '../schemas/guard.js';
import type { ObservationPublisher, ObservationSubscriber } from '../schemas/transport.js';
import { BundleOutbox, type BundleSink } from './bundle-outbox.js';
import { CheckpointPublisher, logWitness, pathWitness, type Witness } from './witness.js';

export const ASSEMBLER_VERSION = 'proofline-assembler/0.1.0';

export interface IngestStage {
  url: string;
  app: FastifyInstance;
  /** Replace the guard while running (SIGHUP reload, demo scenarios); its digest is recorded from then on. */
  setGuard(guard: Guard): void;
  guard(): Guard;
  close(): Promise<void>;
}

export async function startIngest(
  config: ingestConfig.Config,
  publisher: ObservationPublisher,
): Promise<IngestStage> {
  let guard = loadGuard(config.policyFile);
  const app = await createReceiver({
    publisher,
    token: config.token,
    maxBodyBytes: config.maxBodyBytes,
    storeContent: config.storeContent,
  });
  await app.register(guardRoutes, { guard: () => guard, publisher, storeContent: config.storeContent });
  const url = await app.listen({ host: config.host, port: config.port });
  return { url, app, setGuard: (next) => (guard = next), guard: () => guard, close: () => app.close() };
}

export interface AssemblyDeps {
  subscriber: ObservationSubscriber;
  /** DuckDB connection for the bundle index (the embedded log's file, or the assembler's own). */
  connection: DuckDBConnection;
  bundleSink?: BundleSink;
  /** Witnesses beside the --witness path and the server log (the Kafka checkpoints topic). */
  witnesses?: Witness[];
  logger?: Logger;
}

export interface AssemblyStage {
  assembler: Assembler;
  keyDir: string;
  /** Settles when the subscriber stops and the store is closed; rejects if assembling failed. */
  done: Promise<void>;
}

export async function startAssembly(
  config: assemblerConfig.Config,
  deps: AssemblyDeps,
): Promise<AssemblyStage> {
  const dataDir = resolve(config.dataDir);
  const keyDir = join(dataDir, 'keys');
  const logger = deps.logger ?? pino({ level: 'silent' });
  await privateDirectory(dataDir, logger);
  await privateDirectory(keyDir, logger);
  const signer = await loadSigner(keyDir, { allowInsecureKey: config.allowInsecureKey });
  if (signer.insecure)
    logger.warn(
      { keyDir },
      'signing with a key others can read (--allow-insecure-key): every bundle says so',
    );
  const store = await BundleStore.open(dataDir, deps.connection, { signer, logger });
  try {
    const witnesses = [
      ...(config.witness === undefined ? [] : [await pathWitness(config.witness)]),
      ...(deps.witnesses ?? []),
      logWitness(logger),
    ];
    const checkpoints = new CheckpointPublisher(store.log, witnesses, logger);
    await checkpoints.checkWitnesses();
    // What a witness or an auditor configures to check this log's checkpoints (schemas/checkpoint.md).
    logger.info(
      { origin: store.log.origin, seals: store.log.size, verifier_key: store.log.verifierKey },
      'transparency log',
    );
    await checkpoints.publish(await store.log.currentCheckpoint());
    const core = createAssembler({
      store,
      signer,
      settleMs: config.settleMs,
      idleTimeoutMs: config.idleTimeoutMs,
      assemblerVersion: ASSEMBLER_VERSION,
      logger,
    });
    let outbox: BundleOutbox | undefined;
    if (deps.bundleSink) {
      outbox = await BundleOutbox.open(deps.connection, dataDir, deps.bundleSink);
      const resent = await outbox.sendPending();
      if (resent > 0) logger.info({ resent }, 'bundles written before a restart handed to the sink');
    }
    const assembler = publishing(core, outbox, checkpoints);
    const done = runAssembler(deps.subscriber, assembler, { tickIntervalMs: config.tickIntervalMs }).finally(
      () => store.close(),
    );
    done.catch((error: unknown) => logger.error({ err: error }, 'assembler stopped'));
    return { assembler, keyDir, done };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** A directory only its owner can enter: created so, and tightened if it already existed wider. */
async function privateDirectory(dir: string, logger: Logger): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    await chmod(dir, mode & 0o700);
    logger.info({ dir, was: mode.toString(8) }, 'tightened to owner-only access');
  }
}

/** Hands every bundle and seal a step wrote to the sink (through the outbox), and its checkpoint to the
 * witnesses, before the step returns: the run loop commits offsets only once the bundles are in the data
 * directory and with the sink. */
function publishing(
  assembler: Assembler,
  outbox: BundleOutbox | undefined,
  checkpoints: CheckpointPublisher,
): Assembler {
  const forward = async (report: StepReport): Promise<StepReport> => {
    await outbox?.send([...report.bundled, ...report.sealed]);
    if (report.checkpoint !== null) await checkpoints.publish(report.checkpoint);
    return report;
  };
  return {
    ...assembler,
    handle: async (deliveries) => forward(await assembler.handle(deliveries)),
    tick: async () => forward(await assembler.tick()),
    flush: async () => forward(await assembler.flush()),
  };
}
