// Captures real Codex CLI 0.169.0 runs as fixtures (test/fixtures/codex-0.169.0/scenarios/<name>/, layout in
// its README): `codex exec` against the scripted Responses API, every hook event through hook_capture.py
// (trusted through Codex's own app-server), OTLP to a sink that keeps each request byte for byte, and every
// command's HTTP(S) through the egress trap, so nothing leaves loopback.
//
//   node dist/harness/codex/capture.js [scenario…]    (default: every scenario in capture-scenarios.ts)
//
// Environment: CODEX_BIN (default: install-codex.sh's), RUN_ROOT (default ~/.cache/proofline/codex-runs; not
// under /tmp, where Codex refuses to create its helper binaries).
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { trustHooks } from '../../service/codex-app-server.js';
import { codexEnv, codexExec, installCodex } from './codex-exec.js';
import { API_KEY_ENV } from './codex-home.js';
import { SCENARIOS, type CaptureScenario } from './capture-scenarios.js';
import { summarize } from './capture-summary.js';
import { startEgressTrap } from './egress-trap.js';
import { startOtlpSink } from './otlp-sink.js';
import { REPO_ROOT } from './repo.js';
import { startResponsesServer } from './responses-server.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'codex-0.169.0', 'scenarios');
const HOOK_CAPTURE = join(REPO_ROOT, 'harness', 'codex', 'hook_capture.py');
const HOOK_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'PostToolUse'];
const TOOL_EVENTS = new Set(['PreToolUse', 'PermissionRequest', 'PostToolUse']);

export interface CaptureResult {
  name: string;
  exitCode: number | null;
  seconds: number;
  trapped: readonly string[];
}

export async function capture(scenario: CaptureScenario, codex: string, runRoot: string) {
  const run = join(runRoot, scenario.name);
  await rm(run, { recursive: true, force: true });
  const [workspace, codexHome, hooksDir, otlpDir] = ['workspace', 'codex_home', 'hooks', 'otlp'].map((d) =>
    join(run, d),
  ) as [string, string, string, string];
  await mkdir(workspace, { recursive: true });
  await mkdir(codexHome, { recursive: true });
  for (const [file, text] of Object.entries(scenario.workspace ?? {}))
    await writeFile(join(workspace, file), text);
  if (scenario.rules) {
    await mkdir(join(codexHome, 'rules'), { recursive: true });
    await writeFile(join(codexHome, 'rules', 'default.rules'), scenario.rules);
  }

  const sink = await startOtlpSink(otlpDir);
  const trap = await startEgressTrap();
  const model = await startResponsesServer(scenario.script);
  try {
    await writeFile(join(codexHome, 'config.toml'), configToml(scenario, model.baseUrl, sink.url));
    await writeFile(join(codexHome, 'hooks.json'), hooksJson(hooksDir, scenario.hookMode));
    const env = codexEnv(codexHome, trap.env);
    await trustHooks({ codex, codexHome, cwd: workspace, env }, (hook) =>
      (hook.command ?? '').includes('hook_capture.py'),
    );
    const result = await codexExec({
      codex,
      codexHome,
      cwd: workspace,
      env,
      prompt: scenario.prompt,
      args: scenario.execArgs ?? [],
    });
    await writeFile(join(run, 'exec_stdout.jsonl'), result.stdout);
    await writeFile(join(run, 'exec_stderr.txt'), result.stderr);
    await writeFile(
      join(run, 'exec_result.txt'),
      `rc=${result.exitCode}\nseconds=${(result.wallMs / 1000).toFixed(2)}\n`,
    );
    await cp(join(codexHome, 'last-message.txt'), join(run, 'last_message.txt')).catch(() => undefined);
    await writeFile(
      join(run, 'model_requests.json'),
      `${JSON.stringify({ served: model.requests.length, unserved: model.unserved }, null, 2)}\n`,
    );
    return {
      name: scenario.name,
      exitCode: result.exitCode,
      seconds: result.wallMs / 1000,
      trapped: trap.attempts,
    };
  } finally {
    await model.close();
    await trap.close();
    await sink.close();
  }
}

/** Copies a run into the fixtures: what the README's layout names, plus the transcript when asked for. */
export async function keep(scenario: CaptureScenario, runRoot: string): Promise<void> {
  const run = join(runRoot, scenario.name);
  const target = join(FIXTURES, scenario.name);
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  for (const file of ['exec_stdout.jsonl', 'exec_stderr.txt', 'exec_result.txt', 'last_message.txt'])
    await cp(join(run, file), join(target, file)).catch(() => undefined);
  await cp(join(run, 'codex_home', 'config.toml'), join(target, 'config.toml'));
  await cp(join(run, 'codex_home', 'hooks.json'), join(target, 'hooks.json'));
  if (scenario.rules) await cp(join(run, 'codex_home', 'rules'), join(target, 'rules'), { recursive: true });
  await cp(join(run, 'hooks'), join(target, 'hooks'), { recursive: true }).catch(() => undefined);
  await cp(join(run, 'otlp'), join(target, 'otlp'), { recursive: true });
  if (scenario.keepTranscript) {
    const sessions = join(run, 'codex_home', 'sessions');
    for (const file of await readdir(sessions, { recursive: true }))
      if (file.endsWith('.jsonl'))
        await cp(join(sessions, file), join(target, `transcript_${file.split('/').at(-1)}`));
  }
  await writeFile(join(target, 'summary.json'), `${JSON.stringify(await summarize(target), null, 2)}\n`);
}

function configToml(scenario: CaptureScenario, modelBaseUrl: string, sinkUrl: string): string {
  const { sandbox, approval, networkAccess, traces } = scenario.config;
  const exporter = (signal: string, protocol: string) =>
    `{ otlp-http = { endpoint = "${sinkUrl}/v1/${signal}", protocol = "${protocol}", headers = { "x-capture-header" = "${signal}" } } }`;
  return `model = "mock-model"
model_provider = "mock"
approval_policy = "${approval}"
sandbox_mode = "${sandbox}"
${networkAccess === undefined ? '' : `\n[sandbox_workspace_write]\nnetwork_access = ${networkAccess}\n`}
[model_providers.mock]
name = "Mock Responses API"
base_url = "${modelBaseUrl}"
wire_api = "responses"
env_key = "${API_KEY_ENV}"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false

# The plugin marketplace sync would reach github.com and chatgpt.com; nothing here may leave loopback.
[features]
plugins = false

[otel]
environment = "capture"
log_user_prompt = true
log_agent_responses = true
exporter = ${exporter('logs', 'json')}
trace_exporter = ${traces ? exporter('traces', 'binary') : '"none"'}
metrics_exporter = "none"
`;
}

function hooksJson(hooksDir: string, mode: string): string {
  const command = `python3 ${HOOK_CAPTURE} ${hooksDir} ${mode}`;
  const hooks = Object.fromEntries(
    [...HOOK_EVENTS, 'Stop', 'SessionEnd'].map((event) => [
      event,
      [
        {
          ...(TOOL_EVENTS.has(event) ? { matcher: '*' } : {}),
          hooks: [{ type: 'command', command, timeout: event === 'SessionEnd' ? 3 : 30 }],
        },
      ],
    ]),
  );
  return `${JSON.stringify({ hooks }, null, 2)}\n`;
}

async function main(): Promise<void> {
  const codex = process.env.CODEX_BIN ?? (await installCodex());
  const runRoot = process.env.RUN_ROOT ?? join(homedir(), '.cache', 'proofline', 'codex-runs');
  const wanted = process.argv.slice(2);
  const chosen = wanted.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => wanted.includes(s.name));
  if (chosen.length !== Math.max(wanted.length, chosen.length === 0 ? 1 : chosen.length))
    throw new Error(
      `unknown scenario in ${wanted.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  for (const scenario of chosen) {
    const result = await capture(scenario, codex, runRoot);
    await keep(scenario, runRoot);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
