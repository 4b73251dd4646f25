// What `proofline init codex` writes into a Codex home and `proofline doctor` checks there: one hooks.json
// handler per event running the sh client with its event, the server URL and a header file, and an [otel]
// block exporting logs and traces to the same server. Shapes as verified against Codex 0.169.0
// (test/fixtures/codex-0.169.0/README.md, "Config that worked", "hooks.json format", "Hooks").
import { homedir } from 'node:os';
import { join } from 'node:path';

import { HOOK_EVENTS } from '../schemas/hook.js';
import { hookCommand } from './hook-client.js';

/** Codex's hook timeout for every handler but SessionEnd's (Codex clamps that one, and Interrupt's, to 3 s).
 * The client gives up on the server after 5 s (`--max-time`), well inside it: a hook Codex times out counts
 * as an error, and the tool runs. */
export const HOOK_TIMEOUT_SECONDS = 10;
const CLAMPED_EVENTS: ReadonlySet<string> = new Set(['SessionEnd', 'Interrupt']);
const TOOL_EVENTS: ReadonlySet<string> = new Set(['PreToolUse', 'PermissionRequest', 'PostToolUse']);

/** The events init configures: every command-hook event 0.169.0 has a stdin schema for. Codex also accepts
 * PreModelRequest and PostModelRequest; they fire on every model request, carry no contract captured here,
 * and proofline records nothing from them, so they are left out. */
export const CONFIGURED_EVENTS: readonly string[] = HOOK_EVENTS;

export const HEADER_FILE = 'proofline-hook.headers';

export function defaultCodexHome(): string {
  return process.env.CODEX_HOME || join(homedir(), '.codex');
}

export interface HookHandler {
  type: 'command';
  command: string;
  timeout: number;
}

export interface HookGroup {
  matcher?: string;
  hooks: HookHandler[];
}

export type HooksFile = { hooks: Record<string, HookGroup[]> };

/** proofline's group for each event; `caFile` when the server's certificate chains to a CA of its own. */
export function prooflineHooks(
  client: string,
  url: string,
  headerFile: string,
  caFile?: string,
): Record<string, HookGroup> {
  return Object.fromEntries(
    CONFIGURED_EVENTS.map((event) => {
      const handler: HookHandler = {
        type: 'command',
        command: hookCommand(client, event, url, headerFile, caFile),
        timeout: CLAMPED_EVENTS.has(event) ? 3 : HOOK_TIMEOUT_SECONDS,
      };
      return [event, { ...(TOOL_EVENTS.has(event) ? { matcher: '*' } : {}), hooks: [handler] }];
    }),
  );
}

/** A handler proofline wrote, now or by an older version (`proofline hook`, `npx … proofline hook`). */
export function isProoflineHandler(handler: { command?: unknown }): boolean {
  const command = typeof handler.command === 'string' ? handler.command : '';
  return /proofline-hook\b/.test(command) || /\bproofline(\.js)?['"]?\s+hook\b/.test(command);
}

/** The [otel] exporters: logs and traces to the server in protobuf, the token as a literal header (Codex does
 * not expand environment variables in header values), metrics off (the default exporter is OpenAI's Statsig
 * endpoint, which would leave the machine; proofline builds nothing from metrics). With `caFile`, the
 * exporters trust that CA for an https server (`tls = { ca-certificate = … }`). */
export function otelExporters(
  url: string,
  token: string | undefined,
  caFile?: string,
): Record<string, unknown> {
  const exporter = (signal: string) => ({
    'otlp-http': {
      endpoint: `${url.replace(/\/+$/, '')}/v1/${signal}`,
      protocol: 'binary',
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      ...(caFile ? { tls: { 'ca-certificate': caFile } } : {}),
    },
  });
  return { exporter: exporter('logs'), trace_exporter: exporter('traces'), metrics_exporter: 'none' };
}

/** The [otel] block as init appends it: inline tables, one exporter per line. */
export function otelBlock(url: string, token: string | undefined, caFile?: string): string {
  const lines = Object.entries(otelExporters(url, token, caFile)).map(
    ([key, value]) => `${key} = ${inlineToml(value)}`,
  );
  return `[otel]\n${lines.join('\n')}\n`;
}

function inlineToml(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value); // a JSON string is a TOML basic string
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([key, v]) => `${/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key)} = ${inlineToml(v)}`,
  );
  return `{ ${entries.join(', ')} }`;
}
