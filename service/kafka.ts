// The Kafka deployments: receivers (`ingest --kafka`) scale out behind a load balancer, assemblers
// (`assemble --kafka --group`) scale out as a consumer group, `ingest --from-kafka` reads what an
// OpenTelemetry Collector's kafkaexporter writes, and `serve --kafka` runs ingest and assembly in one process.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { DuckDBInstance } from '@duckdb/node-api';
import type { Logger } from 'pino';

import type * as assemblerConfig from '../assembler/config.js';
import { isLoopback } from '../ingest/config.js';
import type * as ingestConfig from '../ingest/config.js';
import { decodeOtlp } from '../ingest/otlp/decode.js';
import { normalizeOtlpRequest } from '../ingest/normalize/otlp-request.js';
import { nowUnixNano } from '../ingest/normalize/observation.js';
import { topicNames } from '../schemas/topics.js';
import { TransportUnavailableError } from '../schemas/transport.js';
import { CollectorTopicConsumer, type CollectorRecord } from '../transport/collector-topics.js';
import type { CollectorTopicsConfig, KafkaConfig } from '../transport/config.js';
import { createKafkaTransport, type KafkaTransport } from '../transport/kafka.js';
import type { BundleSink } from './bundle-outbox.js';
import type { AssembleServiceConfig, IngestServiceConfig, ServeConfig } from './config.js';
import { processLogger, untilStopped } from './process.js';
import { startAssembly, startIngest, type IngestStage } from './stages.js';
import { kafkaWitness } from './witness.js';

function openKafka(config: KafkaConfig, logger: Logger): KafkaTransport {
  return createKafkaTransport({ brokers: config.brokers, logger, topics: topicNames(config.topicPrefix) });
}

export async function runKafkaIngest(config: IngestServiceConfig): Promise<void> {
  const logger = processLogger();
  const transport = openKafka(config.transport, logger);
  const stopping = untilStopped(logger);
  try {
    if (config.collector) {
      const consumer = consumeCollectorTopics(transport, config, config.collector, logger);
      await stopping;
      await consumer.close();
    } else {
      const ingest = await startKafkaReceiver(transport, config.ingest, logger);
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
  logger: Logger,
): Promise<IngestStage> {
  if (!isLoopback(config.host) && !config.token)
    logger.warn(
      { host: config.host },
      'listening beyond loopback without --token: anyone who can reach it can write',
    );
  const ingest = await startIngest(config, transport.publisher);
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
  logger: Logger,
) {
  const dataDir = resolve(config.assembler.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const index = await DuckDBInstance.create(join(dataDir, 'assembler.duckdb'));
  const connection = await index.connect();
  const subscriber = transport.subscriber({ groupId: config.transport.group });
  let closing = false;
  const assembly = await startAssembly(config.assembler, {
    subscriber,
    connection,
    bundleSink: publishWhenAvailable(
      (bundles) => transport.bundles.publish(bundles),
      logger,
      () => closing,
    ),
    witnesses: [
      kafkaWitness(transport.topics.checkpoints, (origin, note) =>
        transport.checkpoints.publish(origin, note),
      ),
    ],
    logger,
  });
  logger.info({ group: config.transport.group, data: dataDir }, 'proofline assemble ← kafka');
  return {
    done: assembly.done,
    async close() {
      closing = true;
      await subscriber.close();
      await assembly.done.catch(() => undefined);
      connection.closeSync();
      index.closeSync();
    },
  };
}

const BUNDLES_RETRY_MS = 1000;

/** When bundles reach the sink they are already durable in the data directory. While Kafka cannot take them
 * the step waits and tries again, its offsets uncommitted meanwhile, instead of failing: a failed step ends
 * the assembler, and a broker outage would then take every assembler down with it. Gives up on shutdown. */
function publishWhenAvailable(publish: BundleSink, logger: Logger, closing: () => boolean): BundleSink {
  return async (bundles) => {
    for (;;) {
      try {
        return await publish(bundles);
      } catch (error) {
        if (!(error instanceof TransportUnavailableError) || closing()) throw error;
        logger.warn({ err: error, bundles: bundles.length }, 'bundles topic unavailable; retrying');
        await delay(BUNDLES_RETRY_MS);
      }
    }
  };
}

export async function runKafkaAssemble(config: AssembleServiceConfig): Promise<void> {
  const logger = processLogger();
  const transport = openKafka(config.transport, logger);
  try {
    const assembly = await startKafkaAssembly(transport, config, logger);
    await Promise.race([untilStopped(logger), assembly.done]);
    await assembly.close();
  } finally {
    await transport.close();
  }
}

export async function runKafkaServe(config: ServeConfig & { transport: KafkaConfig }): Promise<void> {
  const logger = processLogger();
  const transport = openKafka(config.transport, logger);
  try {
    const assembly = await startKafkaAssembly(transport, config, logger);
    const ingest = await startKafkaReceiver(transport, config.ingest, logger);
    await Promise.race([untilStopped(logger), assembly.done]);
    await ingest.close();
    await assembly.close();
  } finally {
    await transport.close();
  }
}
