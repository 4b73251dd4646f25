// `proofline doctor`: checks a Codex home the way a failure would show, one line per check (PASS, FAIL, SKIP
// when it cannot tell, NOTE for advice), so an operator sees which link is broken: hooks present and running
// an existing client for the guarded events, curl able to carry the answer, hooks trusted (Codex skips
// untrusted ones without a word), [otel] exporting to the server, the server up, the token accepted.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { parse as parseShell } from 'shell-quote';
import { parse as parseToml, type TomlTable } from 'smol-toml';

import { GUARDED_EVENTS } from '../schemas/hook.js';
import { listHooks } from './codex-app-server.js';
import { CONFIGURED_EVENTS, isProoflineHandler, type HooksFile } from './codex-config.js';

export type CheckStatus = 'PASS' | 'FAIL' | 'SKIP' | 'NOTE';

export interface Check {
  status: CheckStatus;
  what: string;
  detail: string;
}

export interface DoctorOptions {
  codexHome: string;
  /** The `codex` binary for the trust check; undefined: `codex` on PATH, if any. */
  codex?: string;
  timeoutMs?: number;
}

/** One proofline handler of hooks.json; `client` is empty for the old `proofline hook` command lines. */
interface Handler {
  event: string;
  command: string;
  client: string;
  argEvent: string;
  url: string;
  headerFile: string;
}

type Add = (status: CheckStatus, what: string, detail: string) => void;

export async function runDoctor(options: DoctorOptions): Promise<Check[]> {
  const checks: Check[] = [];
  const add: Add = (status, what, detail) => checks.push({ status, what, detail });
  const hooksPath = join(options.codexHome, 'hooks.json');
  const handlers = await readHandlers(hooksPath).catch((error: Error) => {
    add('FAIL', 'hooks.json', `${hooksPath}: ${error.message} (run \`proofline init codex\`)`);
    return [] as Handler[];
  });
  await checkHandlers(handlers, hooksPath, add);
  await checkCurl(add);
  const clients = handlers.filter((h) => h.client !== '');
  await checkTrust(options, hooksPath, clients, add);
  const guarded = clients.find((h) => GUARDED_EVENTS.has(h.event));
  const config = await readConfig(join(options.codexHome, 'config.toml'), add);
  checkOtel(config, guarded?.url, add);
  if (guarded) await checkServer(guarded, config, options.timeoutMs ?? 5_000, add);
  else add('SKIP', 'server', 'no hook names a server URL');
  recommendConfinement(config, add);
  return checks;
}

async function readHandlers(path: string): Promise<Handler[]> {
  const file = JSON.parse(await readFile(path, 'utf8')) as HooksFile;
  if (typeof file.hooks !== 'object' || file.hooks === null) throw new Error('no "hooks" object');
  const handlers: Handler[] = [];
  for (const [event, groups] of Object.entries(file.hooks)) {
    for (const handler of (Array.isArray(groups) ? groups : []).flatMap((group) => group.hooks ?? [])) {
      if (!isProoflineHandler(handler)) continue;
      const words = parseShell(handler.command).filter((word): word is string => typeof word === 'string');
      const isClient = /proofline-hook$/.test(words[0] ?? '');
      handlers.push({
        event,
        command: handler.command,
        client: isClient ? words[0]! : '',
        argEvent: words[1] ?? '',
        url: words[2] ?? '',
        headerFile: words[3] ?? '',
      });
    }
  }
  return handlers;
}

async function checkHandlers(handlers: Handler[], path: string, add: Add): Promise<void> {
  for (const event of GUARDED_EVENTS) {
    const mine = handlers.filter((h) => h.event === event);
    const handler = mine.find((h) => h.client !== '');
    if (mine.length === 0) {
      add('FAIL', `${event} hook`, `${path} runs no proofline hook for ${event}`);
      continue;
    }
    if (!handler) {
      add(
        'FAIL',
        `${event} hook`,
        `\`${mine[0]!.command}\` is the old Node hook; \`proofline init codex --force\``,
      );
      continue;
    }
    // A client Codex cannot run is a "hook error" to Codex, and the tool runs.
    const problem =
      handler.argEvent !== event
        ? `its command line names ${JSON.stringify(handler.argEvent)}, not ${event}`
        : !(await isExecutableFile(handler.client))
          ? `${handler.client} is not an executable file`
          : !(await isFile(handler.headerFile))
            ? `its header file ${handler.headerFile} is missing`
            : ((await stat(handler.headerFile)).mode & 0o077) !== 0
              ? `its header file ${handler.headerFile} (the token) is readable by others: chmod 600`
              : undefined;
    add(problem ? 'FAIL' : 'PASS', `${event} hook`, problem ?? `${handler.client} → ${handler.url}`);
  }
  const missing = CONFIGURED_EVENTS.filter((event) => !handlers.some((h) => h.event === event));
  if (missing.length > 0 && handlers.length > 0)
    add('NOTE', 'other events', `no proofline hook for ${missing.join(', ')}: they go unrecorded`);
}

async function isExecutableFile(path: string): Promise<boolean> {
  return (
    (await isFile(path)) &&
    (await access(path, constants.X_OK).then(
      () => true,
      () => false,
    ))
  );
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

async function checkCurl(add: Add): Promise<void> {
  const version = await promisify(execFile)('curl', ['--version'])
    .then(({ stdout }) => /^curl (\d+)\.(\d+)\.(\d+)/.exec(stdout))
    .catch(() => null);
  if (!version) return add('FAIL', 'curl', 'not on PATH: the hook client denies every tool call without it');
  const [major, minor] = [Number(version[1]), Number(version[2])];
  const text = `curl ${version.slice(1).join('.')}`;
  // %header{} in --write-out came with 7.84.0: without it no answer is readable, and every call is denied.
  if (major > 7 || (major === 7 && minor >= 84)) add('PASS', 'curl', text);
  else add('FAIL', 'curl', `${text} is older than 7.84.0 (no %header{} in --write-out)`);
}

async function checkTrust(
  options: DoctorOptions,
  hooksPath: string,
  clients: Handler[],
  add: Add,
): Promise<void> {
  if (clients.length === 0) return add('SKIP', 'trust', 'no hook to check');
  const codex = options.codex ?? (await onPath('codex'));
  if (!codex) return add('SKIP', 'trust', 'cannot tell: no `codex` binary found (--codex PATH)');
  try {
    const listed = await listHooks({ codex, codexHome: options.codexHome, cwd: options.codexHome });
    const commands = new Set(clients.map((h) => h.command));
    const ours = listed.filter((hook) => hook.sourcePath === hooksPath && commands.has(hook.command ?? ''));
    const untrusted = ours.filter((hook) => hook.trustStatus !== 'trusted');
    if (ours.length === 0) add('FAIL', 'trust', `${codex} lists none of proofline's hooks`);
    else if (untrusted.length > 0)
      add(
        'FAIL',
        'trust',
        `Codex skips untrusted hooks silently: ${untrusted.map((h) => `${h.eventName} (${h.trustStatus})`).join(', ')}; \`proofline init codex --trust\``,
      );
    else add('PASS', 'trust', `${ours.length} hooks trusted (${codex} app-server)`);
  } catch (error) {
    add('FAIL', 'trust', `${codex} app-server: ${(error as Error).message}`);
  }
}

async function onPath(program: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(':').filter((d) => d !== '')) {
    const path = join(dir, program);
    if (await isExecutableFile(path)) return path;
  }
  return undefined;
}

async function readConfig(path: string, add: Add): Promise<TomlTable | undefined> {
  try {
    return parseToml(await readFile(path, 'utf8'));
  } catch (error) {
    add('FAIL', 'config.toml', `${path}: ${(error as Error).message}`);
    return undefined;
  }
}

interface OtlpHttp {
  endpoint?: unknown;
  protocol?: unknown;
  headers?: Record<string, unknown>;
}

function exporterOf(config: TomlTable | undefined, key: string): OtlpHttp | undefined {
  const otel = config?.otel as Record<string, unknown> | undefined;
  return (otel?.[key] as { 'otlp-http'?: OtlpHttp } | undefined)?.['otlp-http'];
}

function checkOtel(config: TomlTable | undefined, url: string | undefined, add: Add): void {
  if (!config) return;
  for (const [key, signal] of [
    ['exporter', 'logs'],
    ['trace_exporter', 'traces'],
  ] as const) {
    const exporter = exporterOf(config, key);
    const expected = url ? `${url.replace(/\/+$/, '')}/v1/${signal}` : undefined;
    if (!exporter)
      add('FAIL', `[otel] ${key}`, `no otlp-http exporter: Codex's ${signal} never reach proofline`);
    else if (typeof exporter.endpoint !== 'string' || !exporter.endpoint.endsWith(`/v1/${signal}`))
      add(
        'FAIL',
        `[otel] ${key}`,
        `endpoint ${String(exporter.endpoint)} is not a /v1/${signal} URL (Codex uses it verbatim)`,
      );
    else if (expected && exporter.endpoint !== expected)
      add(
        'NOTE',
        `[otel] ${key}`,
        `exports to ${exporter.endpoint}, not the hooks' server ${expected} (a Collector in front?)`,
      );
    else add('PASS', `[otel] ${key}`, `${exporter.endpoint} (${String(exporter.protocol)})`);
  }
  const metrics = (config.otel as Record<string, unknown> | undefined)?.metrics_exporter;
  if (metrics === undefined)
    add(
      'FAIL',
      '[otel] metrics_exporter',
      "unset: Codex's default sends metrics to OpenAI's Statsig endpoint",
    );
}

async function checkServer(hook: Handler, config: TomlTable | undefined, timeoutMs: number, add: Add) {
  const base = hook.url.replace(/\/+$/, '');
  const healthy = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) }).then(
    (response) => response.ok,
    () => false,
  );
  if (!healthy) return add('FAIL', 'server', `${base}/healthz does not answer`);
  add('PASS', 'server', `${base} is up`);
  // An authenticated route: /v1/status needs the token whenever the server has one.
  const headerLine = (await readFile(hook.headerFile, 'utf8').catch(() => '')).trim();
  const hookAuth = /^authorization:\s*(.*)$/im.exec(headerLine)?.[1];
  const accepted = async (authorization: string | undefined) =>
    (
      await fetch(`${base}/v1/status`, {
        headers: authorization ? { authorization } : {},
        signal: AbortSignal.timeout(timeoutMs),
      }).catch(() => undefined)
    )?.status;
  const hookStatus = await accepted(hookAuth);
  add(hookStatus === 200 ? 'PASS' : 'FAIL', 'hook token', tokenDetail(hookStatus, hook.headerFile));
  const otelAuth = exporterOf(config, 'exporter')?.headers?.authorization;
  const otelStatus = await accepted(typeof otelAuth === 'string' ? otelAuth : undefined);
  add(
    otelStatus === 200 ? 'PASS' : 'FAIL',
    '[otel] token',
    tokenDetail(otelStatus, 'the [otel] exporter headers'),
  );
}

function tokenDetail(status: number | undefined, where: string): string {
  if (status === 200) return `accepted (${where})`;
  if (status === 401) return `refused with 401: the server wants the token it was started with, in ${where}`;
  return `no answer from an authenticated route (${status ?? 'unreachable'})`;
}

/** The configuration proofline leans on (issue 12.6): Codex's own OS sandbox with the network off, so what the
 * guard lets through is stopped at the sandbox's edge (`runtime_enforced` in the bundles), an unknown
 * program's egress needs an escalation proofline decides (PermissionRequest, `approval_policy = "on-request"`)
 * or is refused outright (`"never"`), and the agent cannot rewrite ~/.codex, the hook client or the server. */
const RECOMMENDED =
  'sandbox_mode = "workspace-write" with [sandbox_workspace_write] network_access = false (approval_policy ' +
  '"on-request" sends escalations to the PermissionRequest hook; "never" refuses them)';

function recommendConfinement(config: TomlTable | undefined, add: Add): void {
  if (!config) return;
  const sandbox = config.sandbox_mode;
  const network = (config.sandbox_workspace_write as Record<string, unknown> | undefined)?.network_access;
  const approval = config.approval_policy;
  const now = `sandbox_mode ${JSON.stringify(sandbox ?? 'unset')}, network_access ${JSON.stringify(network ?? 'unset')}, approval_policy ${JSON.stringify(approval ?? 'unset')}`;
  if ((sandbox === 'workspace-write' && network !== true) || sandbox === 'read-only') {
    add(
      'PASS',
      'confinement',
      `${now}: the OS sandbox stops egress and writes outside the workspace whatever the guard lets through`,
    );
    return;
  }
  const why =
    sandbox === 'danger-full-access'
      ? 'nothing but the guard stands between an allowed command and the network or the rest of the disk, so every allowed action is recorded as advisory'
      : sandbox === 'workspace-write'
        ? 'the sandbox lets commands reach the network, so an egress the guard does not recognise goes out'
        : 'Codex then picks the sandbox per project and per command-line flag (--sandbox, --dangerously-bypass-approvals-and-sandbox), so proofline cannot count on it';
  add('NOTE', 'confinement', `${now}: ${why}; recommended: ${RECOMMENDED}`);
}
