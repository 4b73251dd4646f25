// The two halves every deployment is made of, each bound to whatever transport it is given: the ingest half
// (OTLP receiver + guard routes → a publisher) and the assembly half (a subscriber → assembler → bundle store).
// `serve` runs both over the embedded log; `ingest --kafka` and `assemble --kafka` run one each over Kafka.
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import type { DuckDBConnection } from '@duckdb/node-api';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';

import { createAssembler, type Assembler, type StepReport } from '../assembler/assembler.js';
import { SessionSpill } from '../assembler/spill.js';
import { BundleStore } from '../assembler/bundle-store.js';
import type * as assemblerConfig from '../assembler/config.js';
import { loadSigner } from '../assembler/keygen.js';
import { runAssembler } from '../assembler/run.js';
import type * as ingestConfig from '../ingest/config.js';
import { guardRoutes } from '../ingest/http/guard-route.js';
import { createReceiver } from '../ingest/http/receiver.js';
import { ReceiverStats } from '../ingest/stats.js';
import { SelfProtection, type SelfProtectionConfig } from '../policy/self-protection.js';
import { readApproversFile, type ApproverSet } from '../schemas/approvers.js';
import { ProoflineError } from '../schemas/errors.js';
import type { Guard } from '../schemas/guard.js';
import type {
  ObservationPublisher,
  ObservationSubscriber,
  PartitionHandover,
  SessionHandoverState,
} from '../schemas/transport.js';
import { BundleOutbox, type BundleSink } from './bundle-outbox.js';
import type { Health } from './health.js';
import type { Metrics } from './metrics.js';
import { CheckpointPublisher, logWitness, pathWitness, type Witness } from './witness.js';

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
  /** The guard, loaded before anything starts (a bad policy must stop the start, not a running server). */
  guard: Guard;
  health?: Health;
  metrics?: Metrics;
  /** Refused requests are logged here at warn. */
  logger?: Logger;
  /** Files of this deployment the agent must not touch beyond the ingest stage's own (the data directory). */
  protectedPaths?: SelfProtectionConfig['paths'];
}

/** Binds the receiver; a port in use (or any other failure to listen) rejects, with nothing left open. */
export async function startIngest(
  config: ingestConfig.Config,
  publisher: ObservationPublisher,
  deps: IngestDeps,
): Promise<IngestStage> {
  const { metrics, health } = deps;
  // Every decision, from whichever route, is counted and timed.
  const metered = (next: Guard): Guard => (metrics ? metrics.meteredGuard(next) : next);
  let guard = metered(deps.guard);
  const approvers = config.approversFile === undefined ? new Map() : readApproversFile(config.approversFile);
  const stats = new ReceiverStats();
  const app = await createReceiver({
    publisher,
    token: config.token,
    maxBodyBytes: config.maxBodyBytes,
    storeContent: config.storeContent,
    tlsCertFile: config.tlsCertFile,
    tlsKeyFile: config.tlsKeyFile,
    stats,
    ...(health ? { readiness: () => health.readiness() } : {}),
    ...(deps.logger ? { log: deps.logger } : {}),
  });
  if (metrics) {
    metrics.instrument(app);
    metrics.observeReceiver(stats);
  }
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
  let url: string;
  try {
    url = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    throw new ProoflineError(
      'LISTEN_FAILED',
      `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  listening.address = { host: config.host, port: Number(new URL(url).port) };
  return {
    url,
    app,
    setGuard: (next) => (guard = metered(next)),
    guard: () => guard,
    approvers,
    close: () => app.close(),
  };
}

export interface AssemblyDeps {
  subscriber: ObservationSubscriber;
  /** Told while the assembler cannot write (it retries meanwhile). */
  health?: Health;
  metrics?: Metrics;
  /** DuckDB connection for the bundle index (the embedded log's file, or the assembler's own). */
  connection: DuckDBConnection;
  bundleSink?: BundleSink;
  /** Witnesses beside the --witness path and the server log (the Kafka checkpoints topic). */
  witnesses?: Witness[];
  /** Set quiet open sessions aside on disk (assembler/spill.ts). The embedded server does; with Kafka it is not
   * on yet: slowed by it, the assembler in test/kafka-e2e/assembler-crash.test.ts seals a session on its
   * SessionEnd before reading the records behind it (the timers do not wait for a backlog; README, "Peak RSS"). */
  spillQuietSessions?: boolean;
  /** Where sessions are handed over when the subscriber's partitions move (Kafka: transport/kafka-handover.ts). */
  handover?: PartitionHandover;
  logger?: Logger;
}

export interface AssemblyStage {
  assembler: Assembler;
  keyDir: string;
  /** Settles when the subscriber stops and the store is closed; rejects if assembling failed for good. */
  done: Promise<void>;
  /** Stops reading (a step waiting to retry gives up) and waits for the step in flight. */
  stop(): Promise<void>;
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
    const handover = deps.handover && publishingHandover(deps.handover);
    const core = createAssembler({
      store,
      signer,
      settleMs: config.settleMs,
      idleTimeoutMs: config.idleTimeoutMs,
      assemblerVersion: ASSEMBLER_VERSION,
      ...(deps.spillQuietSessions === true ? { spill: await SessionSpill.open(dataDir) } : {}),
      ...(handover ? { handover, beforeWrite: (report) => handover.publish(report.handover) } : {}),
      logger,
    });
    let outbox: BundleOutbox | undefined;
    if (deps.bundleSink) {
      outbox = await BundleOutbox.open(deps.connection, dataDir, deps.bundleSink);
      const resent = await outbox.sendPending();
      if (resent > 0) logger.info({ resent }, 'bundles written before a restart handed to the sink');
    }
    const { metrics } = deps;
    if (outbox && metrics) metrics.observeOutbox(outbox);
    // Before a step returns: its bundles to the sink (through the outbox) and its checkpoint to the witnesses,
    // so the run loop commits offsets only once the bundles are in the data directory and with the sink.
    const assembler = afterEachStep(core, async (report) => {
      // The step's records are in the data directory now (its handover state went to Kafka before them).
      handover?.written();
      await outbox?.send([...report.bundled, ...report.sealed]);
      if (report.checkpoint !== null) await checkpoints.publish(report.checkpoint);
      metrics?.countStep(report);
    });
    const stopping = new AbortController();
    const done = runAssembler(deps.subscriber, assembler, {
      tickIntervalMs: config.tickIntervalMs,
      signal: stopping.signal,
      ...(handover ? { handover } : {}),
      onProblem: (problem) => {
        if (problem !== undefined) {
          logger.warn({ problem }, 'assembler cannot write; retrying');
          metrics?.writeFailed();
        } else logger.info('assembler writes again');
        deps.health?.report('assembler', problem);
      },
    }).finally(() => store.close());
    done.catch((error: unknown) => logger.error({ err: error }, 'assembler stopped'));
    return {
      assembler,
      keyDir,
      done,
      async stop() {
        stopping.abort();
        await deps.subscriber.close();
        await done.catch(() => undefined);
      },
    };
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

/** Publishes a step's session states, keeping the ones not yet published for the next try (a retried step
 * finds its bundles already written and reports them no more), and publishes those before any release. A
 * session's signed records go with each state published until a step's write is known done (`written`): a step
 * whose write failed and was retried writes them with its next. */
function publishingHandover(handover: PartitionHandover): PartitionHandover & { written(): void } {
  const pending = new Map<string, SessionHandoverState>();
  const unwritten = new Map<string, string[]>();
  const flush = async (): Promise<void> => {
    const states = [...pending.values()];
    await handover.publish(states);
    for (const state of states) if (pending.get(state.sessionId) === state) pending.delete(state.sessionId);
  };
  return {
    session: (partition, sessionId) => handover.session(partition, sessionId),
    adopt: (partitions, member) => handover.adopt(partitions, member),
    async publish(states) {
      for (const state of states) {
        const envelopes = [...(unwritten.get(state.sessionId) ?? []), ...state.envelopes];
        unwritten.set(state.sessionId, envelopes);
        pending.set(state.sessionId, { ...state, envelopes });
      }
      await flush();
    },
    written: () => unwritten.clear(),
    async release(partitions, member) {
      await flush();
      await handover.release(partitions, member);
    },
  };
}

/** Runs `after` on every step's report before the step returns. */
function afterEachStep(assembler: Assembler, after: (report: StepReport) => Promise<void>): Assembler {
  const then = async (report: StepReport): Promise<StepReport> => {
    await after(report);
    return report;
  };
  return {
    ...assembler,
    handle: async (deliveries) => then(await assembler.handle(deliveries)),
    tick: async () => then(await assembler.tick()),
    flush: async () => then(await assembler.flush()),
  };
}
