// `proofline serve`: the whole pipeline in one process until SIGINT/SIGTERM; SIGHUP reloads the policy.
// With Kafka as the transport, ingest and assembly run in this process but talk through Kafka (kafka.ts).
import { isLoopback } from '../ingest/config.js';
import { loadGuard } from '../policy/load.js';
import type { ServeConfig } from './config.js';
import { startPipeline } from './embedded.js';
import { runKafkaServe } from './kafka.js';
import { processLogger, untilStopped } from './process.js';

export async function runServe(config: ServeConfig): Promise<void> {
  if (config.transport.kind === 'kafka')
    return runKafkaServe({ ingest: config.ingest, assembler: config.assembler, transport: config.transport });
  const logger = processLogger();
  if (!isLoopback(config.ingest.host) && !config.ingest.token)
    logger.warn(
      { host: config.ingest.host },
      'listening beyond loopback without --token: anyone who can reach it can write',
    );

  const pipeline = await startPipeline({
    dataDir: config.assembler.dataDir,
    ingest: config.ingest,
    assembler: config.assembler,
    logger,
  });
  logger.info(
    { url: pipeline.url, data: pipeline.dataDir, policy_digest: pipeline.guard().policyDigest },
    'proofline serving',
  );

  process.on('SIGHUP', () => {
    try {
      pipeline.setGuard(loadGuard(config.ingest.policyFile));
      logger.info({ policy_digest: pipeline.guard().policyDigest }, 'policy reloaded');
    } catch (error) {
      logger.error({ err: error }, 'policy reload failed; keeping the previous policy');
    }
  });
  try {
    // A dead assembler ends the process (non-zero), so nothing is acknowledged that nobody will bundle.
    await Promise.race([untilStopped(logger), pipeline.done]);
  } finally {
    await pipeline.close();
  }
}
