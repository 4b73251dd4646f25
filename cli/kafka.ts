// The Kafka deployments: receivers (`ingest --kafka`) scale out behind a load balancer, assemblers
// (`assemble --kafka --group`) scale out as a consumer group, `ingest --from-kafka` reads what an
// OpenTelemetry Collector's kafkaexporter writes, and `serve --kafka` runs ingest and assembly in one process.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { DuckDBInstance } from '@duckdb/node-api';
import type { Logger } from 'pino';

import { decodeOtlp } from '../ingest/otlp/decode.js';
import { normalizeOtlpRequest } from '../ingest/normalize/otlp-request.js';
import { nowUnixNano } from '../ingest/normalize/observation.js';
import { TransportUnavailableError } from '../schemas/transport.js';
import {
  CollectorTopicConsumer,
  type CollectorRecord,
  type OtlpEncoding,
} from '../transport/collector-topics.js';
import { createKafkaTransport, type KafkaTransport } from '../transport/kafka.js';
import { CliError } from './errors.js';
import { cliLogger, untilStopped } from './process.js';
import type { BundleSink } from './bundle-outbox.js';
import { startAssembly, startIngest, type IngestStage } from './stages.js';

export interface KafkaReceiverOptions extends KafkaConnectionFlags {
  host: string;
  port: number;
  token?: string;
  policy?: string;
  storeContent: boolean;
  maxBody: number;
}

export interface KafkaIngestOptions extends KafkaReceiverOptions {
  fromKafka?: string;
  collectorEncoding: OtlpEncoding;
  /** With --from-kafka: the consumer group reading the Collector's topics. */
  collectorGroup: string;
}

export interface KafkaAssembleOptions extends KafkaConnectionFlags {
  group: string;
  data: string;
  settleMs: number;
  idleTimeoutMs: number;
}

/** Flags every Kafka command takes. */
export interface KafkaConnectionFlags {
  kafka: string;
  /** Topics are `<prefix>.observations`, `<prefix>.observations.dlq` and `<prefix>.bundles`. */
  topicPrefix: string;
}

function openKafka(options: KafkaConnectionFlags, logger: Logger): KafkaTransport {
  const prefix = options.topicPrefix;
  return createKafkaTransport({
    brokers: brokersOf(options.kafka),
    logger,
    topics: {
      observations: `${prefix}.observations`,
      deadLetters: `${prefix}.observations.dlq`,
      bundles: `${prefix}.bundles`,
    },
  });
}

function brokersOf(list: string): string[] {
  const brokers = list
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new CliError('--kafka needs at least one broker (host:port)');
  return brokers;
}

export async function runKafkaIngest(options: KafkaIngestOptions): Promise<void> {
  const logger = cliLogger();
  const transport = openKafka(options, logger);
  const stopping = untilStopped(logger);
  try {
    if (options.fromKafka) {
      const consumer = consumeCollectorTopics(transport, options, logger);
      await stopping;
      await consumer.close();
    } else {
      const ingest = await startKafkaReceiver(transport, options, logger);
      await stopping;
      await ingest.close();
    }
  } finally {
    await transport.close();
  }
}

async function startKafkaReceiver(
  transport: KafkaTransport,
  options: KafkaReceiverOptions,
  logger: Logger,
): Promise<IngestStage> {
  const ingest = await startIngest({
    publisher: transport.publisher,
    host: options.host,
    port: options.port,
    token: options.token ?? process.env.PROOFLINE_TOKEN,
    policyFile: options.policy,
    storeContent: options.storeContent,
    maxBodyBytes: options.maxBody,
  });
  logger.info({ url: ingest.url, topic: transport.topics.observations }, 'proofline ingest → kafka');
  return ingest;
}

/** Normalizes each Collector record like an HTTP export and publishes it; the consumer commits a batch only
 * after its observations are acknowledged by Kafka. A record that does not decode is logged and skipped. */
function consumeCollectorTopics(
  transport: KafkaTransport,
  options: KafkaIngestOptions,
  logger: Logger,
): CollectorTopicConsumer {
  const [logsTopic, tracesTopic] = options.fromKafka!.split(',').map((t) => t.trim());
  const consumer = new CollectorTopicConsumer({
    brokers: brokersOf(options.kafka),
    groupId: options.collectorGroup,
    logs: { topic: logsTopic || 'otlp_logs', encoding: options.collectorEncoding },
    traces: { topic: tracesTopic || 'otlp_spans', encoding: options.collectorEncoding },
  });
  const running = consumer.run(async (records) => {
    const observations = records.flatMap((record) =>
      normalizeCollectorRecord(record, options.storeContent, logger),
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
async function startKafkaAssembly(transport: KafkaTransport, options: KafkaAssembleOptions, logger: Logger) {
  const dataDir = resolve(options.data);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const index = await DuckDBInstance.create(join(dataDir, 'assembler.duckdb'));
  const connection = await index.connect();
  const subscriber = transport.subscriber({ groupId: options.group });
  let closing = false;
  const assembly = await startAssembly({
    dataDir,
    subscriber,
    connection,
    settleMs: options.settleMs,
    idleTimeoutMs: options.idleTimeoutMs,
    bundleSink: publishWhenAvailable(
      (bundles) => transport.bundles.publish(bundles),
      logger,
      () => closing,
    ),
    logger,
  });
  logger.info({ group: options.group, data: dataDir }, 'proofline assemble ← kafka');
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

export async function runKafkaAssemble(options: KafkaAssembleOptions): Promise<void> {
  const logger = cliLogger();
  const transport = openKafka(options, logger);
  try {
    const assembly = await startKafkaAssembly(transport, options, logger);
    await Promise.race([untilStopped(logger), assembly.done]);
    await assembly.close();
  } finally {
    await transport.close();
  }
}

export async function runKafkaServe(options: KafkaReceiverOptions & KafkaAssembleOptions): Promise<void> {
  const logger = cliLogger();
  const transport = openKafka(options, logger);
  try {
    const assembly = await startKafkaAssembly(transport, options, logger);
    const ingest = await startKafkaReceiver(transport, options, logger);
    await Promise.race([untilStopped(logger), assembly.done]);
    await ingest.close();
    await assembly.close();
  } finally {
    await transport.close();
  }
}
