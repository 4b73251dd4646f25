// Wall time of one real `codex exec` run (Codex CLI 0.169.0, a scripted model that asks for one `ls`) with every
// hook event going through bin/proofline-hook as `proofline init codex --trust` configures it, beside the same
// run without hooks. OTLP goes to the same real
// `proofline serve` (example team policy) in both, so the difference is what the hooks cost a user.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { codexEnv, codexExec, installCodex } from '../harness/codex/codex-exec.js';
import { writeCodexHome } from '../harness/codex/codex-home.js';
import { startServe, waitForSeals } from '../harness/codex/proofline-serve.js';
import { EXAMPLE_POLICY } from '../harness/codex/repo.js';
import { startResponsesServer } from '../harness/codex/responses-server.js';
import { freshDir } from './dirs.js';
import { percentile, type BenchRow } from './table.js';

const RUNS = 9;

export async function benchCodex(): Promise<BenchRow[]> {
  const codex = await installCodex();
  const root = await freshDir('bench-codex-');
  const workspace = join(root, 'workspace');
  await mkdir(workspace);
  await writeFile(join(workspace, 'README.md'), '# bench workspace\n');
  const dataDir = join(root, 'data');
  const serve = await startServe({ dataDir, policy: EXAMPLE_POLICY, settleMs: 200, idleTimeoutMs: 600_000 });
  const model = await startResponsesServer(['ls']);
  try {
    const plainHome = join(root, 'home-plain');
    const hooksHome = join(root, 'home-hooks');
    const common = { modelBaseUrl: model.baseUrl, prooflineUrl: serve.url };
    await writeCodexHome({ dir: plainHome, ...common });
    await writeCodexHome({ dir: hooksHome, ...common, hooks: { codex, env: codexEnv(hooksHome) } });

    const run = async (codexHome: string) => {
      const result = await codexExec({
        codex,
        codexHome,
        cwd: workspace,
        env: codexEnv(codexHome),
        prompt: 'run ls',
      });
      if (result.exitCode !== 0 || !result.stdout.includes('"aggregated_output":"README.md\\n"'))
        throw new Error(`codex exec failed (${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
      return result.wallMs;
    };
    // One unmeasured run of each warms the page cache; then the two alternate, so drift hits both alike.
    await run(plainHome);
    await run(hooksHome);
    const plain: number[] = [];
    const hooked: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      plain.push(await run(plainHome));
      hooked.push(await run(hooksHome));
    }
    // Only a session whose SessionEnd hook reached proofline is sealed (the others wait for the idle
    // timeout): every hooked run must have been, or the "with hooks" figure measured no hooks.
    await waitForSeals(dataDir, RUNS + 1).catch((error: Error) => {
      throw new Error(`${error.message}: did the hooks run?`);
    });

    const median = (xs: number[]) =>
      percentile(
        [...xs].sort((a, b) => a - b),
        50,
      );
    const without = median(plain);
    const withHooks = median(hooked);
    return [
      {
        measure: `codex exec wall time, hooks → proofline (median of ${RUNS})`,
        value: withHooks,
        unit: 'ms',
        baseline: { name: 'same run without hooks', value: without },
        goal: '≤ 1.10× without hooks',
        met: withHooks <= 1.1 * without,
      },
      {
        measure: 'codex exec time added by proofline hooks (median)',
        value: withHooks - without,
        unit: 'ms',
      },
    ];
  } finally {
    await model.close();
    await serve.stop();
  }
}
