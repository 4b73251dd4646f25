// One real Codex session through proofline, as the Codex end-to-end tests run it: a workspace (workspace.ts),
// the egress trap, `proofline serve` under the team's example policy, the scripted Responses API, and a Codex
// home as `proofline init codex --trust` writes it; then `codex exec`. Each test file brings its script,
// prompt and assertions.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { codexEnv, codexExec, installCodex, type CodexExecResult } from '../../harness/codex/codex-exec.js';
import { writeCodexHome } from '../../harness/codex/codex-home.js';
import { startEgressTrap, type EgressTrap } from '../../harness/codex/egress-trap.js';
import { startServe, type ServeProcess } from '../../harness/codex/proofline-serve.js';
import { EXAMPLE_POLICY } from '../../harness/codex/repo.js';
import {
  startResponsesServer,
  type ResponsesServer,
  type ScriptStep,
} from '../../harness/codex/responses-server.js';
import { createWorkspace, type Workspace } from './workspace.js';

export interface CodexRigOptions {
  /** Names the temporary directory. */
  name: string;
  /** What the model asks Codex to run; a function when commands name the workspace or the Codex home. */
  script: readonly ScriptStep[] | ((where: { workspace: Workspace; codexHome: string }) => ScriptStep[]);
  prompt: string;
  /** Runs once the Codex home is written, before `codex exec` (hook trust, `proofline doctor`). */
  beforeExec?: (rig: Omit<CodexRig, 'run'>) => Promise<void>;
}

export interface CodexRig {
  codex: string;
  dataDir: string;
  codexHome: string;
  env: NodeJS.ProcessEnv;
  workspace: Workspace;
  trap: EgressTrap;
  serve: ServeProcess;
  model: ResponsesServer;
  run: CodexExecResult;
  /** The output Codex sent back to the model for the call of `command`. */
  outputOf(command: string): string;
}

/** Everything a rig started, for afterAll; safe to call on a rig that failed half way. */
export async function closeRig(rig: Partial<CodexRig>): Promise<void> {
  await rig.serve?.stop();
  await rig.model?.close();
  await rig.trap?.close();
}

/** Starts the parts, runs the session and returns with the server still running (it holds the evidence). The
 * parts started so far are in `started` should a step fail, so afterAll can stop them. */
export async function runCodexRig(options: CodexRigOptions, started: Partial<CodexRig>): Promise<CodexRig> {
  started.codex = await installCodex();
  const root = await mkdtemp(join(tmpdir(), `proofline-codex-${options.name}-`));
  started.dataDir = join(root, 'data');
  started.codexHome = join(root, 'codex-home');
  started.workspace = await createWorkspace(root);
  started.trap = await startEgressTrap();
  // Codex exports its OTLP only when it exits, after the SessionEnd hook: the settle time must cover that
  // export on a busy machine, or the session seals before its tool results arrive.
  started.serve = await startServe({
    dataDir: started.dataDir,
    policy: EXAMPLE_POLICY,
    settleMs: 5000,
    idleTimeoutMs: 60_000,
  });
  const script =
    typeof options.script === 'function'
      ? options.script({ workspace: started.workspace, codexHome: started.codexHome })
      : options.script;
  const model = await startResponsesServer(script);
  started.model = model;
  started.env = codexEnv(started.codexHome, { ...started.trap.env, ...started.workspace.gitEnv });
  started.outputOf = (command) =>
    model.outputOf(model.calls.find((c) => c.command === command)?.callId ?? '') ?? '';
  await writeCodexHome({
    dir: started.codexHome,
    modelBaseUrl: model.baseUrl,
    prooflineUrl: started.serve.url,
    hooks: { codex: started.codex, env: started.env },
  });
  const ready = started as Omit<CodexRig, 'run'>;
  await options.beforeExec?.(ready);
  started.run = await codexExec({
    codex: ready.codex,
    codexHome: ready.codexHome,
    cwd: ready.workspace.dir,
    env: ready.env,
    prompt: options.prompt,
  });
  return started as CodexRig;
}
