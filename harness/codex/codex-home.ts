// A throwaway $CODEX_HOME for one real Codex run: the model provider is the scripted Responses server, every
// OTLP signal goes to proofline, and (optionally) every hook event runs `proofline hook`. Shapes as verified
// against 0.169.0 in the fixtures README ("Config that worked", "hooks.json format").
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { PROOFLINE_CLI } from './repo.js';

/** The environment variable Codex reads the provider's API key from (`env_key`). */
export const API_KEY_ENV = 'PROOFLINE_E2E_API_KEY';

/** The events a tool-using `codex exec` turn fires (PermissionRequest only under --approve-for-me, but
 * configured anyway, as a user would). */
export const HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PermissionRequest',
  'PostToolUse',
  'Stop',
  'SessionEnd',
] as const;

const TOOL_EVENTS: ReadonlySet<string> = new Set(['PreToolUse', 'PermissionRequest', 'PostToolUse']);

export interface CodexHomeOptions {
  dir: string;
  /** Provider base_url, e.g. the scripted server's `http://127.0.0.1:P/v1`. */
  modelBaseUrl: string;
  /** proofline's root URL: hooks go there, and OTLP too unless `otlpUrl` says otherwise. */
  prooflineUrl: string;
  /** Where OTLP goes instead (/v1/logs, /v1/traces and /v1/metrics under it): a Collector in front. */
  otlpUrl?: string;
  /** Route every hook event through `proofline hook`. */
  hooks: boolean;
}

export async function writeCodexHome(options: CodexHomeOptions): Promise<string> {
  await mkdir(options.dir, { recursive: true });
  await writeFile(join(options.dir, 'config.toml'), configToml(options));
  if (options.hooks) await writeFile(join(options.dir, 'hooks.json'), hooksJson(options.prooflineUrl));
  return options.dir;
}

function configToml({ modelBaseUrl, prooflineUrl, otlpUrl = prooflineUrl }: CodexHomeOptions): string {
  const str = (s: string) => JSON.stringify(s); // a JSON string is a valid TOML basic string
  // Endpoints are used verbatim (no path is appended), and metrics must be set explicitly: the default
  // exporter is OpenAI's Statsig endpoint, which would leave the machine.
  const exporter = (signal: string) =>
    `{ otlp-http = { endpoint = ${str(`${otlpUrl}/v1/${signal}`)}, protocol = "binary" } }`;
  return `model = "mock-model"
model_provider = "scripted"
approval_policy = "never"
sandbox_mode = "danger-full-access"

[model_providers.scripted]
name = "proofline scripted Responses API"
base_url = ${str(modelBaseUrl)}
wire_api = "responses"
env_key = ${str(API_KEY_ENV)}
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false

# The plugin marketplace sync reaches github.com, api.github.com and chatgpt.com in the background of every
# app-server and exec start (seen through the e2e test's egress trap); nothing here may leave loopback.
[features]
plugins = false

[otel]
environment = "proofline-e2e"
exporter = ${exporter('logs')}
trace_exporter = ${exporter('traces')}
metrics_exporter = ${exporter('metrics')}
`;
}

function hooksJson(prooflineUrl: string): string {
  const command = [process.execPath, PROOFLINE_CLI, 'hook', '--url', prooflineUrl].map(shellQuote).join(' ');
  const hooks: Record<string, unknown[]> = {};
  for (const event of HOOK_EVENTS) {
    // Codex clamps SessionEnd handlers to 3 s and warns about anything longer.
    const handler = { type: 'command', command, timeout: event === 'SessionEnd' ? 3 : 10 };
    hooks[event] = [{ ...(TOOL_EVENTS.has(event) ? { matcher: '*' } : {}), hooks: [handler] }];
  }
  return `${JSON.stringify({ hooks }, null, 2)}\n`;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
