// The Kafka deployments: receivers (`ingest --kafka`) scale out behind a load balancer, assemblers
// (`assemble --kafka --group`) scale out as a consumer group, `ingest --from-kafka` reads what an
// OpenTelemetry Collector's kafkaexporter writes, and `serve --kafka` runs ingest and assembly in one process.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import type { Logger } from 'pino';

import type * as assemblerConfig from '../assembler/config.js';
import { isLoopback } from '../ingest/config.js';
import type * as ingestConfig from '../ingest/config.js';
import { decodeOtlp } from '../ingest/otlp/decode.js';
import { normalizeOtlpRequest } from '../ingest/normalize/otlp-request.js';
import { nowUnixNano } from '../ingest/normalize/observation.js';
import { topicNames } from '../schemas/topics.js';
import { DEFAULT_HOST } from '../schemas/endpoints.js';
import { ProoflineError } from '../schemas/errors.js';
import type { Guard } from '../schemas/guard.js';
import { loadGuard } from '../policy/load.js';
import { CollectorTopicConsumer, type CollectorRecord } from '../transport/collector-topics.js';
import type { CollectorTopicsConfig, KafkaConfig } from '../transport/config.js';
import { createKafkaTransport, type KafkaTransport } from '../transport/kafka.js';
import type { AssembleServiceConfig, IngestServiceConfig, ServeConfig } from './config.js';
import { processLogger, untilStopped } from './process.js';
import { Health } from './health.js';
import { Metrics } from './metrics.js';
import { startStatusServer } from './status-server.js';
import { startAssembly, startIngest, type AssemblyStage, type IngestStage } from './stages.js';
import { kafkaWitness } from './witness.js';

function openKafka(config: KafkaConfig, logger: Logger): KafkaTransport {
  return createKafkaTransport({
    brokers: config.brokers,
    logger,
    topics: topicNames(config.topicPrefix),
    maxRecordBytes: config.maxRecordBytes,
  });
}

/** How long a command waits for the brokers at start before it gives up and exits non-zero. */
const BROKER_WAIT_MS = 8000;

async function openReachableKafka(config: KafkaConfig, logger: Logger): Promise<KafkaTransport> {
  const transport = openKafka(config, logger);
  try {
    await transport.probe(BROKER_WAIT_MS);
  } catch (error) {
    await transport.close();
    throw new ProoflineError('BROKER_UNREACHABLE', (error as Error).message, { cause: error });
  }
  return transport;
}

export async function runKafkaIngest(config: IngestServiceConfig): Promise<void> {
  const logger = processLogger();
  const guard = config.collector ? undefined : loadGuard(config.ingest.policyFile);
  const transport = await openReachableKafka(config.transport, logger);
  const stopping = untilStopped(logger);
  try {
    if (config.collector) {
      const consumer = consumeCollectorTopics(transport, config, config.collector, logger);
      await stopping;
      await consumer.close();
    } else {
      const ingest = await startKafkaReceiver(
        transport,
        config.ingest,
        guard!,
        new Health(),
        new Metrics(),
        logger,
      );
      await stopping;
      await ingest.close();
    }
  } finally {
    await transport.close();
  }
}

async function startKafkaReceiver(
  transport: KafkaTransport,
  config: ingestConfig.Config,
  guard: Guard,
  health: Health,
  metrics: Metrics,
  logger: Logger,
): Promise<IngestStage> {
  if (!isLoopback(config.host) && !config.token)
    logger.warn(
      { host: config.host },
      'listening beyond loopback without --token: anyone who can reach it can write',
    );
  const ingest = await startIngest(config, transport.publisher, { guard, health, metrics, logger });
  logger.info({ url: ingest.url, topic: transport.topics.observations }, 'proofline ingest → kafka');
  return ingest;
}

/** Normalizes each Collector record like an HTTP export and publishes it; the consumer commits a batch only
 * after its observations are acknowledged by Kafka. A record that does not decode is logged and skipped. */
function consumeCollectorTopics(
  transport: KafkaTransport,
  config: IngestServiceConfig,
  collector: CollectorTopicsConfig,
  logger: Logger,
): CollectorTopicConsumer {
  const { logsTopic, tracesTopic, encoding } = collector;
  const consumer = new CollectorTopicConsumer({
    brokers: config.transport.brokers,
    groupId: collector.group,
    logs: { topic: logsTopic, encoding },
    traces: { topic: tracesTopic, encoding },
  });
  const running = consumer.run(async (records) => {
    const observations = records.flatMap((record) =>
      normalizeCollectorRecord(record, config.ingest.storeContent, logger),
    );
    await transport.publisher.publish(observations);
  });
  running.catch((error: unknown) => logger.error({ err: error }, 'collector topic consumer stopped'));
  logger.info({ logsTopic, tracesTopic }, 'proofline ingest ← collector topics');
  return consumer;
}

export function normalizeCollectorRecord(record: CollectorRecord, storeContent: boolean, logger?: Logger) {
  try {
    const request = decodeOtlp(
      record.bytes,
      record.encoding === 'otlp_json' ? 'json' : 'protobuf',
      record.signal,
    );
    return normalizeOtlpRequest(request, { storeContent, observedUnixNano: nowUnixNano() }).observations;
  } catch (error) {
    logger?.error(
      { err: error, topic: record.topic, partition: record.partition, offset: record.offset },
      'undecodable record skipped',
    );
    return [];
  }
}

/** The assembly half on a consumer group: bundles into the data directory (indexed in its own DuckDB file)
 * and onto the bundles topic, offsets committed only after both. */
async function startKafkaAssembly(
  transport: KafkaTransport,
  config: { assembler: assemblerConfig.Config; transport: KafkaConfig },
  health: Health,
  metrics: Metrics,
  logger: Logger,
) {
  const dataDir = resolve(config.assembler.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const indexFile = join(dataDir, 'assembler.duckdb');
  const index = await DuckDBInstance.create(indexFile);
  const connection = await index.connect();
  const subscriber = transport.subscriber({ groupId: config.transport.group });
  // Sessions move with their partition between the group's assemblers (transport/kafka-handover.ts).
  const handover = transport.handover(config.transport.group);
  // While Kafka cannot take the bundles (already durable in the data directory), the step fails as passing
  // and the run loop retries it, offsets uncommitted meanwhile, instead of ending the assembler.
  let assembly: AssemblyStage;
  try {
    await handover.start();
    assembly = await startAssembly(config.assembler, {
      subscriber,
      handover,
      connection,
      health,
      metrics,
      bundleSink: (bundles) => transport.bundles.publish(bundles),
      logger,
      witnesses: [
        kafkaWitness(transport.topics.checkpoints, (origin, note) =>
          transport.checkpoints.publish(origin, note),
        ),
      ],
    });
    metrics.observeAssembler(assembly.assembler, indexFile);
  } catch (error) {
    await subscriber.close();
    connection.closeSync();
    index.closeSync();
    throw error;
  }
  logger.info({ group: config.transport.group, data: dataDir }, 'proofline assemble ← kafka');
  return {
    done: assembly.done,
    async close() {
      await assembly.stop();
      connection.closeSync();
      index.closeSync();
    },
  };
}

/** What a process runs beside its assembler: the receiver (`serve`) or the status routes (`assemble`). */
interface Front {
  close(): Promise<void>;
}

/** An assembler on the brokers with `startFront` beside it, until a signal or the assembler ends; then
 * everything closes in reverse. A dead assembler ends the process (non-zero), so nothing is acknowledged that
 * nobody will bundle. */
async function runWithAssembly(
  config: { assembler: assemblerConfig.Config; transport: KafkaConfig },
  startFront: (parts: {
    transport: KafkaTransport;
    health: Health;
    metrics: Metrics;
    logger: Logger;
  }) => Promise<Front | undefined>,
): Promise<void> {
  const logger = processLogger();
  const health = new Health();
  const metrics = new Metrics();
  metrics.observeHealth(health);
  const transport = await openReachableKafka(config.transport, logger);
  try {
    const assembly = await startKafkaAssembly(transport, config, health, metrics, logger);
    try {
      const front = await startFront({ transport, health, metrics, logger });
      try {
        await Promise.race([untilStopped(logger), assembly.done]);
      } finally {
        await front?.close();
      }
    } finally {
      await assembly.close();
    }
  } finally {
    await transport.close();
  }
}

export async function runKafkaAssemble(config: AssembleServiceConfig): Promise<void> {
  const { statusPort } = config;
  await runWithAssembly(config, async ({ health, metrics, logger }) => {
    if (statusPort === undefined) return undefined;
    const status = await startStatusServer({ host: DEFAULT_HOST, port: statusPort, health, metrics });
    logger.info({ url: status.url }, 'status: /healthz /readyz /metrics');
    return status;
  });
}

export async function runKafkaServe(config: ServeConfig & { transport: KafkaConfig }): Promise<void> {
  // Before the brokers: a policy that does not load fails the start at once.
  const guard = loadGuard(config.ingest.policyFile);
  await runWithAssembly(config, ({ transport, health, metrics, logger }) =>
    startKafkaReceiver(transport, config.ingest, guard, health, metrics, logger),
  );
}
