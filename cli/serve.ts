// `proofline serve`: the whole pipeline in one process until SIGINT/SIGTERM; SIGHUP reloads the policy.
// With --kafka, ingest and assembly run in this process but talk through Kafka (cli/kafka.ts).
import { loadGuard } from '../policy/load.js';
import { runKafkaServe } from './kafka.js';
import { startPipeline } from './pipeline.js';
import { cliLogger, untilStopped } from './process.js';

export interface ServeOptions {
  host: string;
  port: number;
  data: string;
  token?: string;
  policy?: string;
  storeContent: boolean;
  maxBody: number;
  settleMs: number;
  idleTimeoutMs: number;
  kafka?: string;
  group: string;
  topicPrefix: string;
}

export async function runServe(options: ServeOptions): Promise<void> {
  if (options.kafka) return runKafkaServe({ ...options, kafka: options.kafka });
  const logger = cliLogger();
  const token = options.token ?? process.env.PROOFLINE_TOKEN;
  if (!isLoopback(options.host) && !token)
    logger.warn(
      { host: options.host },
      'listening beyond loopback without --token: anyone who can reach it can write',
    );

  const pipeline = await startPipeline({
    dataDir: options.data,
    host: options.host,
    port: options.port,
    token,
    policyFile: options.policy,
    storeContent: options.storeContent,
    maxBodyBytes: options.maxBody,
    settleMs: options.settleMs,
    idleTimeoutMs: options.idleTimeoutMs,
    logger,
  });
  logger.info(
    { url: pipeline.url, data: pipeline.dataDir, policy_digest: pipeline.guard().policyDigest },
    'proofline serving',
  );

  process.on('SIGHUP', () => {
    try {
      pipeline.setGuard(loadGuard(options.policy));
      logger.info({ policy_digest: pipeline.guard().policyDigest }, 'policy reloaded');
    } catch (error) {
      logger.error({ err: error }, 'policy reload failed; keeping the previous policy');
    }
  });
  await untilStopped(logger);
  await pipeline.close();
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
