// A real Kafka broker for the tests, from deploy/kafka/broker.sh. PROOFLINE_KAFKA_BROKERS points the tests at a
// broker someone else runs; otherwise one is started on a free port with its own state directory and stopped
// (and its data removed) afterwards. A broker that cannot start fails the tests with the script's output:
// these tests are never skipped.
//
// Usable per file (`const broker = await startTestBroker()` in beforeAll) or as a vitest globalSetup module
// (the default export), which exports PROOFLINE_KAFKA_BROKERS for the workers.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'kafka', 'broker.sh');

export interface TestBroker {
  bootstrap: string;
  /** Whether this process started it (and so may stop and restart it). */
  owned: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its data; a no-op for a broker this process did not start. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function brokerSh(args: string[], state: string): Promise<string> {
  try {
    const { stdout } = await run('bash', [script, ...args], {
      env: { ...process.env, PROOFLINE_KAFKA_STATE: state },
      timeout: 300_000,
    });
    return stdout.trim();
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`broker.sh ${args.join(' ')} failed:\n${stdout}\n${stderr}`);
  }
}

/** `ownBroker`: start a private broker even when PROOFLINE_KAFKA_BROKERS is set (tests that stop it need one). */
export async function startTestBroker(ownBroker = false): Promise<TestBroker> {
  const external = process.env.PROOFLINE_KAFKA_BROKERS;
  if (external && !ownBroker) {
    const noop = async (): Promise<void> => undefined;
    return { bootstrap: external, owned: false, stop: noop, start: noop, dispose: noop };
  }
  const port = String(await freePort());
  const state = mkdtempSync(join(tmpdir(), 'proofline-kafka-test-'));
  const start = async (): Promise<void> => {
    await brokerSh(['start', '--port', port], state);
  };
  await start();
  return {
    bootstrap: `127.0.0.1:${port}`,
    owned: true,
    start,
    stop: async () => {
      await brokerSh(['stop', '--port', port], state);
    },
    dispose: async () => {
      await brokerSh(['stop', '--port', port], state);
      rmSync(state, { recursive: true, force: true });
    },
  };
}

export default async function setup(): Promise<() => Promise<void>> {
  const broker = await startTestBroker();
  process.env.PROOFLINE_KAFKA_BROKERS = broker.bootstrap;
  return () => broker.dispose();
}
