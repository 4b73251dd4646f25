// A throwaway $CODEX_HOME for one real Codex run: the model provider is the scripted Responses server, and
// proofline's part is exactly what `proofline init codex` writes (run as the real command, with --trust): every
// hook event through bin/proofline-hook, logs and traces to proofline. Without hooks, only the [otel] block
// init would write. Shapes as verified against 0.169.0 in the fixtures README ("Config that worked").
import { execFile } from 'node:child_process';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { otelBlock } from '../../service/codex-config.js';
import { PROOFLINE_CLI } from './repo.js';

/** The environment variable Codex reads the provider's API key from (`env_key`). */
export const API_KEY_ENV = 'PROOFLINE_E2E_API_KEY';

export interface CodexHomeOptions {
  dir: string;
  /** Provider base_url, e.g. the scripted server's `http://127.0.0.1:P/v1`. */
  modelBaseUrl: string;
  /** proofline's root URL: hooks go there, and OTLP too unless `otlpUrl` says otherwise. */
  prooflineUrl: string;
  /** Where OTLP goes instead (/v1/logs and /v1/traces under it): a Collector in front. */
  otlpUrl?: string;
  /** Run `proofline init codex --trust` with this codex binary and environment; absent: no hooks. */
  hooks?: { codex: string; env: NodeJS.ProcessEnv };
  /** An https server's CA, for `init codex --ca-cert` (hooks only). */
  caFile?: string;
}

export interface CodexHome {
  dir: string;
  /** What `proofline init codex` printed (empty without hooks). */
  initOutput: string;
}

export async function writeCodexHome(options: CodexHomeOptions): Promise<CodexHome> {
  await mkdir(options.dir, { recursive: true });
  await writeFile(join(options.dir, 'config.toml'), baseConfig(options.modelBaseUrl));
  if (!options.hooks) {
    const otlpUrl = options.otlpUrl ?? options.prooflineUrl;
    await appendFile(join(options.dir, 'config.toml'), `\n${otelBlock(otlpUrl, undefined)}`);
    return { dir: options.dir, initOutput: '' };
  }
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      PROOFLINE_CLI,
      ...['init', 'codex', '--codex-home', options.dir, '--url', options.prooflineUrl],
      ...(options.otlpUrl ? ['--otlp-url', options.otlpUrl] : []),
      ...(options.caFile ? ['--ca-cert', options.caFile] : []),
      ...['--trust', '--codex', options.hooks.codex],
    ],
    { env: { ...options.hooks.env, CODEX_HOME: options.dir }, timeout: 120_000 },
  );
  return { dir: options.dir, initOutput: stdout };
}

function baseConfig(modelBaseUrl: string): string {
  return `model = "mock-model"
model_provider = "scripted"
approval_policy = "never"
sandbox_mode = "danger-full-access"

[model_providers.scripted]
name = "proofline scripted Responses API"
base_url = ${JSON.stringify(modelBaseUrl)}
wire_api = "responses"
env_key = ${JSON.stringify(API_KEY_ENV)}
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false

# The plugin marketplace sync reaches github.com, api.github.com and chatgpt.com in the background of every
# app-server and exec start (seen through the e2e test's egress trap); nothing here may leave loopback.
[features]
plugins = false
`;
}
