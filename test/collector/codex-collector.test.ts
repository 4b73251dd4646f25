// Recipe 1 with a live agent: the real Codex CLI 0.169.0 (`codex exec` against the scripted Responses API)
// whose [otel] exporters point at the Collector (deploy/collector/kafka.yaml), not at proofline. Its telemetry
// reaches proofline only through the Collector, Kafka and `proofline ingest --from-kafka`; its hooks go to a
// `proofline ingest --kafka` receiver under the example policy, onto the same observations topic; one
// `proofline assemble` bundles both into one session. CODEX_E2E=0 skips it, as it does the other Codex run.
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { StatusSnapshot } from '../../ingest/stats.js';
import type { ActionProof } from '../../schemas/bundle.js';
import { codexEnv, codexExec, installCodex, type CodexExecResult } from '../../harness/codex/codex-exec.js';
import { writeCodexHome } from '../../harness/codex/codex-home.js';
import { startEgressTrap, type EgressTrap } from '../../harness/codex/egress-trap.js';
import { EXAMPLE_POLICY } from '../../harness/codex/repo.js';
import {
  FINAL_MESSAGE,
  startResponsesServer,
  type ResponsesServer,
} from '../../harness/codex/responses-server.js';
import { createWorkspace, pushedRefs, type Workspace } from '../codex-e2e/workspace.js';
import { actionProofs, freshDataDir, seals, type BundleFile } from '../e2e/support.js';
import {
  failures,
  killAll,
  readTopic,
  spawnProofline,
  startListening,
  waitForGroup,
  waitForSeals,
  type Receiver,
} from '../kafka-e2e/support.js';
import { startTestBroker, type TestBroker } from '../kafka/broker.js';
import { collectorBinary, startCollector, verifyCli, type RunningCollector } from './support.js';

const SCRIPT = { list: 'ls', push: 'git push origin main' } as const;

describe.skipIf(process.env.CODEX_E2E === '0')('real Codex CLI → Collector → Kafka → proofline', () => {
  let broker: TestBroker | undefined;
  let collector: RunningCollector | undefined;
  let model: ResponsesServer | undefined;
  let trap: EgressTrap | undefined;
  let hooks: Receiver;
  let workspace: Workspace;
  let dataDir: string;
  let topics: { logs: string; spans: string };
  let run: CodexExecResult;
  let bundles: BundleFile[];
  const proofOf = (command: string): ActionProof => {
    const callId = model!.calls.find((c) => c.command === command)!.callId;
    const proof = actionProofs(bundles).find((p) => p.summary.action_id === callId);
    if (!proof) throw new Error(`no bundle for \`${command}\``);
    return proof;
  };

  beforeAll(async () => {
    const codex = await installCodex();
    await collectorBinary();
    broker = await startTestBroker();
    const id = `collector-codex-${randomUUID().slice(0, 8)}`;
    topics = { logs: `${id}.otlp_logs`, spans: `${id}.otlp_spans` };
    dataDir = await freshDataDir('proofline-collector-codex-');
    const fromCollector = spawnProofline([
      'ingest',
      ...['--kafka', broker.bootstrap, '--topic-prefix', id],
      ...['--from-kafka', `${topics.logs},${topics.spans}`, '--collector-group', `${id}-ingest`],
    ]);
    // Settle well above the Collector's batch timeout (1 s): Codex exports its telemetry at shutdown, after
    // its last hook, and it travels through the Collector and Kafka before it reaches the assembler.
    const assembler = spawnProofline([
      'assemble',
      ...['--kafka', broker.bootstrap, '--topic-prefix', id, '--group', `${id}-assemble`],
      ...['--data', dataDir, '--settle-ms', '8000', '--idle-timeout-ms', '60000'],
    ]);
    hooks = await startListening([
      'ingest',
      ...['--kafka', broker.bootstrap, '--topic-prefix', id, '--policy', EXAMPLE_POLICY],
    ]);
    await waitForGroup(broker.bootstrap, `${id}-ingest`, 1);
    await waitForGroup(broker.bootstrap, `${id}-assemble`, 1);
    collector = await startCollector('kafka', {
      PROOFLINE_KAFKA_BROKERS: broker.bootstrap,
      PROOFLINE_COLLECTOR_LOGS_TOPIC: topics.logs,
      PROOFLINE_COLLECTOR_SPANS_TOPIC: topics.spans,
    });

    const root = await mkdtemp(join(tmpdir(), 'proofline-collector-codex-'));
    workspace = await createWorkspace(root);
    trap = await startEgressTrap();
    model = await startResponsesServer(Object.values(SCRIPT));
    const codexHome = join(root, 'codex-home');
    const env = codexEnv(codexHome, { ...trap.env, ...workspace.gitEnv });
    // `proofline init codex --trust` writes and trusts the hooks, OTLP pointed at the Collector.
    await writeCodexHome({
      dir: codexHome,
      modelBaseUrl: model.baseUrl,
      prooflineUrl: hooks.url,
      otlpUrl: collector.url,
      hooks: { codex, env },
    });
    run = await codexExec({
      codex,
      codexHome,
      cwd: workspace.dir,
      env,
      prompt: 'List the files, then push main.',
    });
    bundles = await waitForSeals([dataDir], 1, [fromCollector, assembler, hooks.proc]);
  }, 600_000);

  afterAll(async () => {
    await collector?.stop();
    await model?.close();
    await trap?.close();
    await killAll();
    await broker?.dispose();
  });

  it('plays the whole script through Codex and ends with the final answer', () => {
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain(FINAL_MESSAGE);
    expect(model!.requests).toHaveLength(Object.keys(SCRIPT).length + 1);
  });

  it('sends Codex’s telemetry through the Collector only: on its topics, never to proofline directly', async () => {
    const [seal] = seals(bundles);
    for (const topic of [topics.logs, topics.spans]) {
      const records = await readTopic(broker!.bootstrap, topic);
      expect(
        records.some((r) => r.value!.includes(seal!.session_id)),
        topic,
      ).toBe(true);
    }
    const status = (await (await fetch(`${hooks.url}/v1/status`)).json()) as StatusSnapshot;
    expect(status.records.received).toEqual({});
  });

  it('runs `ls` with every receipt (ρ = 1): its hooks and its telemetry met in one action', () => {
    const proof = proofOf(SCRIPT.list);
    expect(proof.summary).toMatchObject({ route: 'allow', outcome: 'succeeded' });
    expect(proof.summary.completeness).toMatchObject({ rho: 1, missing: [] });
    const closure = proof.evidence.receipts.find((r) => r.checkpoint === 'closure')!;
    expect(closure.observations.map((o) => o.name)).toContain('codex.tool_result');
  });

  it('blocks the push to an unowned remote before it runs, with non-execution proof', async () => {
    const proof = proofOf(SCRIPT.push);
    expect(proof.summary).toMatchObject({ route: 'block', outcome: 'blocked' });
    expect(await pushedRefs(workspace)).toBe('');
    expect(trap!.attempts).toEqual([]);
  });

  it('bundles both calls in one sealed session, which verifies', async () => {
    expect(seals(bundles)).toMatchObject([{ count: 2 }]);
    const { exitCode, report } = await verifyCli(dataDir);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
  });
});
