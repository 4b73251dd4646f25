// `proofline demo`: the embedded pipeline in-process, every real Codex capture replayed through the HTTP
// receiver and real `proofline hook` processes, every session sealed, then the verifier's table. Offline.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Table from 'cli-table3';

import { loadGuard } from '../policy/load.js';
import { runVerify } from '../verifier/verify-command.js';
import { ProoflineError } from '../schemas/errors.js';
import { startPipeline } from './embedded.js';
import { listScenarios, loadScenario, replayScenario, type Scenario } from './replay.js';
import { demoPolicyFile } from './demo-policies.js';

export async function runDemo(options: { data?: string }): Promise<void> {
  const dataDir = options.data ?? (await mkdtemp(join(tmpdir(), 'proofline-demo-')));
  const started = Date.now();
  const pipeline = await startPipeline({ dataDir, ingest: { port: 0 } });
  const rows: string[][] = [];
  try {
    for (const name of await listScenarios()) {
      const scenario = await loadScenario(name);
      // Each capture is replayed under the policy that reproduces what its own hook answered, so the
      // proofline decision and Codex's telemetry tell the same story.
      pipeline.setGuard(loadGuard(demoPolicyFile(scenario.hookMode)));
      const result = await replayScenario(scenario, { url: pipeline.url });
      rows.push(describe(scenario, result));
    }
    await pipeline.flush();
  } finally {
    await pipeline.close();
  }

  const table = new Table({
    head: ['scenario', 'capture hook', 'hook calls (exit codes)', 'OTLP requests (status)'],
  });
  table.push(...rows);
  process.stdout.write(
    `Replayed ${rows.length} real Codex 0.169.0 captures into ${dataDir}\n${table.toString()}\n\n`,
  );

  const exitCode = await runVerify({ paths: [dataDir], format: 'text', minCompleteness: 0 });
  process.stdout.write(
    `\ndemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s; data in ${dataDir}\n`,
  );
  if (exitCode !== 0)
    throw new ProoflineError('DEMO_FAILED', 'verification failed on the demo data', { exitCode });
}

function describe(scenario: Scenario, result: Awaited<ReturnType<typeof replayScenario>>): string[] {
  const hooks =
    result.hooks.map((h) => `${h.event}:${h.exitCode}`).join(' ') || '(hooks not trusted: none ran)';
  const otlp = result.otlp.map((o) => `${o.file}:${o.status}`).join(' ');
  return [scenario.name, scenario.hookMode, hooks, otlp];
}
