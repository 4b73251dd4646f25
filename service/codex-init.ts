// `proofline init codex`: points a Codex home at proofline. It writes hooks.json (one handler per event, the
// absolute path of the installed sh client, never npx), the client's header file (the token, mode 0600) and
// config.toml's [otel] block (mode 0600: it holds the token), keeping everything else in config.toml as it
// was. It refuses to replace a different [otel] block or proofline hooks without --force, and never touches
// other hooks. With --trust it asks `codex app-server` to trust exactly the handlers it wrote.
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { parse as parseToml, stringify as stringifyToml, type TomlTable } from 'smol-toml';

import { ProoflineError } from '../schemas/errors.js';
import { trustHooks } from './codex-app-server.js';
import {
  HEADER_FILE,
  isProoflineHandler,
  otelBlock,
  otelExporters,
  prooflineHooks,
  type HookGroup,
  type HooksFile,
} from './codex-config.js';
import { hookClientPath, writeHookHeaders } from './hook-client.js';

export class CodexInitError extends ProoflineError<'CODEX_INIT_REFUSED' | 'CODEX_CONFIG_INVALID'> {}

export interface CodexInitOptions {
  codexHome: string;
  /** The proofline server the hooks ask. */
  url: string;
  /** Where Codex exports OTLP, when not straight to `url` (an OpenTelemetry Collector in front). */
  otlpUrl?: string;
  token?: string;
  /** The CA (PEM) an https server's certificate chains to: given to the hook client and to the [otel]
   * exporters (`tls = { ca-certificate }`). */
  caFile?: string;
  /** Replace a different [otel] block and earlier proofline hooks. */
  force: boolean;
  /** Trust the written hooks through this `codex` binary. */
  trust?: { codex: string; env?: NodeJS.ProcessEnv };
  /** The client to point at; default: this package's bin/proofline-hook. */
  client?: string;
}

/** Writes the Codex home; returns one line per file for the operator. */
export async function initCodex(options: CodexInitOptions): Promise<string[]> {
  const serverUrl = httpUrl(options.url, '--url');
  const otlpUrl = httpUrl(options.otlpUrl ?? options.url, '--otlp-url');
  const caFile = options.caFile === undefined ? undefined : await caCertificate(options.caFile, serverUrl);
  const home = options.codexHome;
  const client = options.client ?? hookClientPath();
  await mkdir(home, { recursive: true, mode: 0o700 });
  const headerPath = join(home, HEADER_FILE);
  const hooksPath = join(home, 'hooks.json');
  const configPath = join(home, 'config.toml');

  // Decide everything before writing anything, so a refusal leaves the home as it was.
  const ours = prooflineHooks(client, serverUrl, headerPath, caFile);
  const hooks = await mergedHooks(hooksPath, ours, options.force);
  // The exporters trust the CA only when they, too, speak https (a Collector in front may not).
  const otlpCa = otlpUrl.startsWith('https://') ? caFile : undefined;
  const config = await configWithOtel(configPath, otlpUrl, options.token, otlpCa, options.force);

  await writeHookHeaders(headerPath, options.token);
  await chmod(headerPath, 0o600);
  if (hooks.changed) await writeFile(hooksPath, `${JSON.stringify(hooks.file, null, 2)}\n`);
  if (config.text !== undefined) await writeFile(configPath, config.text, { mode: 0o600 });
  await chmod(configPath, 0o600).catch(() => undefined);

  const lines = [
    `${hooksPath}: ${hooks.changed ? 'wrote' : 'unchanged,'} ${Object.keys(ours).length} events → ${client}${caFile ? ` (CA ${caFile})` : ''}`,
    `${headerPath}: ${options.token ? 'bearer token' : 'no token'} (mode 0600)`,
    `${configPath}: ${config.note} (mode 0600)`,
  ];
  if (options.trust) {
    const commands = new Set(Object.values(ours).map((group) => group.hooks[0]!.command));
    const trusted = await trustHooks(
      { codex: options.trust.codex, codexHome: home, cwd: home, env: options.trust.env },
      (hook) => hook.sourcePath === hooksPath && hook.command !== undefined && commands.has(hook.command),
    );
    lines.push(
      `trusted ${trusted.length} hooks through ${options.trust.codex} app-server ([hooks.state] in config.toml)`,
    );
  } else {
    lines.push(
      'not trusted yet: Codex skips untrusted hooks silently; run again with --trust, or trust them in codex',
    );
  }
  return lines;
}

function httpUrl(text: string, flag: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
    throw new CodexInitError('CODEX_INIT_REFUSED', `${flag} must be an http(s) URL: ${text}`, {
      exitCode: 2,
    });
  return text.replace(/\/+$/, '');
}

/** The CA file as an absolute path (Codex and the hook client run elsewhere), readable and a PEM
 * certificate; only for an https server, where it means something. */
async function caCertificate(file: string, serverUrl: string): Promise<string> {
  const refuse = (problem: string): never => {
    throw new CodexInitError('CODEX_INIT_REFUSED', `--ca-cert ${file}: ${problem}`, { exitCode: 2 });
  };
  if (!serverUrl.startsWith('https://')) refuse('a CA only applies to an https:// server URL');
  const text = await readFile(file).catch((error: NodeJS.ErrnoException) =>
    refuse(`cannot read it (${error.code ?? error.message})`),
  );
  try {
    new X509Certificate(text);
  } catch {
    refuse('not a PEM certificate');
  }
  return resolve(file);
}

async function readOptional(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/** hooks.json with proofline's groups: other groups stay as they are; earlier proofline groups are replaced
 * only with --force. */
async function mergedHooks(
  path: string,
  ours: Record<string, HookGroup>,
  force: boolean,
): Promise<{ file: HooksFile; changed: boolean }> {
  const text = await readOptional(path);
  if (text === undefined)
    return {
      file: { hooks: Object.fromEntries(Object.entries(ours).map(([event, group]) => [event, [group]])) },
      changed: true,
    };
  let existing: HooksFile;
  try {
    existing = JSON.parse(text) as HooksFile;
    if (typeof existing?.hooks !== 'object' || existing.hooks === null) throw new Error('no "hooks" object');
  } catch (error) {
    throw new CodexInitError(
      'CODEX_CONFIG_INVALID',
      `${path} is not a hooks file: ${(error as Error).message}`,
    );
  }
  const hooks: Record<string, HookGroup[]> = {};
  let foreignProofline = false;
  for (const [event, groups] of Object.entries(existing.hooks)) {
    const kept = (Array.isArray(groups) ? groups : []).filter((group) => {
      const mine = (group.hooks ?? []).some(isProoflineHandler);
      if (mine && JSON.stringify(group) !== JSON.stringify(ours[event])) foreignProofline = true;
      return !mine;
    });
    if (kept.length > 0) hooks[event] = kept;
  }
  for (const [event, group] of Object.entries(ours)) hooks[event] = [...(hooks[event] ?? []), group];
  const file = { ...existing, hooks };
  const changed = JSON.stringify(file) !== JSON.stringify(existing);
  if (changed && foreignProofline && !force)
    throw new CodexInitError(
      'CODEX_INIT_REFUSED',
      `${path} already runs proofline hooks configured differently; --force replaces them (other hooks are kept)`,
      { exitCode: 2 },
    );
  return { file, changed };
}

/** config.toml with proofline's [otel] exporters. A file without [otel] gets the block appended, byte for
 * byte as it was otherwise; replacing a different [otel] (--force) rewrites the file through the TOML
 * library, which keeps every value but not comments. */
async function configWithOtel(
  path: string,
  url: string,
  token: string | undefined,
  caFile: string | undefined,
  force: boolean,
): Promise<{ text?: string; note: string }> {
  const text = (await readOptional(path)) ?? '';
  let document: TomlTable;
  try {
    document = parseToml(text);
  } catch (error) {
    throw new CodexInitError('CODEX_CONFIG_INVALID', `${path}: ${(error as Error).message}`);
  }
  const wanted = otelExporters(url, token, caFile);
  const otel = document.otel as TomlTable | undefined;
  if (otel === undefined) {
    const separator = text === '' || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
    return {
      text: `${text}${separator}${otelBlock(url, token, caFile)}`,
      note: 'added [otel] (logs and traces to proofline)',
    };
  }
  const current = Object.fromEntries(Object.keys(wanted).map((key) => [key, otel[key]]));
  if (JSON.stringify(current) === JSON.stringify(wanted))
    return { note: '[otel] already points at proofline' };
  if (!force)
    throw new CodexInitError(
      'CODEX_INIT_REFUSED',
      `${path} already has a different [otel] block; --force replaces its exporters (comments in the file are not kept)`,
      { exitCode: 2 },
    );
  document.otel = { ...otel, ...wanted } as TomlTable;
  return {
    text: `${stringifyToml(document)}\n`,
    note: 'replaced the [otel] exporters (file rewritten, comments dropped)',
  };
}
