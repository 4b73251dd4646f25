// TLS on the receiver (`--tls-cert/--tls-key`), with certificates made by openssl in the test: the embedded
// pipeline serves HTTPS; a client holding the CA gets through (Node's https, the real OTel exporter, the real
// hook client through curl with the CA as its fourth argument, the handlers `init codex --ca-cert` writes);
// a client without it, with another CA, or speaking plain HTTP does not, and the hook client then denies.
// Certificates the server cannot serve with stop the start with a clear error.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import * as ingestConfig from '../../ingest/config.js';
import { ConfigError } from '../../schemas/errors.js';
import type { HooksFile } from '../../service/codex-config.js';
import { CodexInitError, initCodex } from '../../service/codex-init.js';
import { startPipeline, type Pipeline } from '../../service/embedded.js';
import { runHookClient, writeHookHeaders } from '../../service/hook-client.js';
import { makeTestCerts, type TestCerts } from './certs.js';

let dir: string;
let certs: TestCerts;
let pipeline: Pipeline;
let headers: string;
const TOKEN = 'tls-test-token';
const PRE_TOOL_USE = JSON.parse(
  readFileSync(
    new URL('../fixtures/codex-0.169.0/scenarios/binary_allow/hooks/PreToolUse.stdin.json', import.meta.url),
    'utf8',
  ),
) as { tool_input: { command: string }; cwd: string };
const preToolUse = (command: string) =>
  JSON.stringify({ ...PRE_TOOL_USE, cwd: dir, tool_input: { command } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'proofline-tls-'));
  certs = makeTestCerts(dir);
  const policy = join(dir, 'rules.yaml');
  writeFileSync(policy, 'version: 1\nrules:\n  - id: no-rm\n    command: "rm *"\n    decision: deny\n');
  pipeline = await startPipeline({
    dataDir: join(dir, 'data'),
    ingest: { port: 0, token: TOKEN, policyFile: policy, tlsCertFile: certs.cert, tlsKeyFile: certs.key },
    assembler: { settleMs: 50, idleTimeoutMs: 60_000 },
  });
  headers = join(dir, 'headers');
  await writeHookHeaders(headers, TOKEN);
});
afterAll(async () => {
  await pipeline?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** GET `path` over https trusting `ca` (or nothing but the system store). */
function httpsGet(path: string, ca?: string): Promise<{ status: number; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, pipeline.url),
      { ...(ca ? { ca: readFileSync(ca) } : {}), headers: { authorization: `Bearer ${TOKEN}` } },
      (response) => {
        const protocol = (response.socket as import('node:tls').TLSSocket).getProtocol() ?? '';
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, protocol }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the receiver over TLS', () => {
  it('serves https on its URL, to a client that trusts the CA', async () => {
    expect(pipeline.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await httpsGet('/healthz', certs.ca)).toEqual({ status: 200, protocol: 'TLSv1.3' });
    expect((await httpsGet('/v1/status', certs.ca)).status).toBe(200);
  });

  it('is refused by a client without the CA, or with another one', async () => {
    // The server sends its own certificate; neither client has the CA that issued it.
    await expect(httpsGet('/healthz')).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await expect(httpsGet('/healthz', certs.otherCa)).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('answers no plain HTTP request', async () => {
    const plain = new Promise<number>((resolve, reject) => {
      const req = httpRequest(pipeline.url.replace('https:', 'http:') + '/healthz', (response) =>
        resolve(response.statusCode ?? 0),
      );
      req.on('error', reject);
      req.end();
    });
    // Node's TLS server drops a connection that does not start with a TLS handshake.
    await expect(plain).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('takes spans from the real OTel exporter given the CA', async () => {
    const before = await status();
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor(
          new OTLPTraceExporter({
            url: `${pipeline.url}/v1/traces`,
            headers: { authorization: `Bearer ${TOKEN}` },
            httpAgentOptions: { ca: readFileSync(certs.ca) },
          }),
        ),
      ],
    });
    provider
      .getTracer('tls-test')
      .startSpan('invoke_agent', { attributes: { 'gen_ai.conversation.id': 'conv-tls' } })
      .end();
    await provider.forceFlush();
    await provider.shutdown();
    trace.disable();
    const after = await status();
    expect(after.records.received.traces ?? 0).toBe((before.records.received.traces ?? 0) + 1);
    expect(after.requests['200']).toBeGreaterThan(before.requests['200'] ?? 0);
  });
});

interface Status {
  requests: Record<string, number>;
  records: { received: Record<string, number> };
}

async function status(): Promise<Status> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL('/v1/status', pipeline.url),
      { ca: readFileSync(certs.ca), headers: { authorization: `Bearer ${TOKEN}` } },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve(JSON.parse(body) as Status));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the hook client (curl) over TLS', () => {
  const run = (command: string, options: { url?: string; caFile?: string } = {}) =>
    runHookClient({
      event: 'PreToolUse',
      url: options.url ?? pipeline.url,
      headerFile: headers,
      ...(options.caFile === undefined ? {} : { caFile: options.caFile }),
      stdin: preToolUse(command),
      cwd: dir,
    });
  const denial = (stdout: string) =>
    (JSON.parse(stdout) as { hookSpecificOutput: { permissionDecisionReason: string } }).hookSpecificOutput
      .permissionDecisionReason;

  it('gets the server’s decision with the CA: allow says nothing, the policy’s deny cites its rule', async () => {
    expect(await run('ls', { caFile: certs.ca })).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    const denied = await run('rm -rf build', { caFile: certs.ca });
    expect(denied.exitCode).toBe(0);
    expect(denial(denied.stdout)).toMatch(/no-rm/);
  });

  it.each([
    ['without the CA', {}, /TLS handshake or certificate refused \(curl exit 60\)/],
    ['with another CA', { caFile: 'OTHER' }, /TLS handshake or certificate refused \(curl exit 60\)/],
    [
      'with the CA but a plain http URL',
      { caFile: 'CA', http: true },
      /CA file is given but the server URL is not https/,
    ],
    [
      'with a CA file that is not there',
      { caFile: '/nonexistent/ca.pem' },
      /its CA file is missing or unreadable/,
    ],
  ])('denies %s (fails closed)', async (_, how, reason) => {
    const options = how as { caFile?: string; http?: boolean };
    const caFile =
      options.caFile === 'OTHER' ? certs.otherCa : options.caFile === 'CA' ? certs.ca : options.caFile;
    const result = await run('ls', {
      ...(caFile === undefined ? {} : { caFile }),
      ...(options.http ? { url: pipeline.url.replace('https:', 'http:') } : {}),
    });
    expect(result.exitCode).toBe(0);
    expect(denial(result.stdout)).toMatch(reason);
    expect(denial(result.stdout)).toMatch(/denied because proofline fails closed/);
  });
});

describe('proofline init codex --ca-cert', () => {
  it('gives the hook handlers and the [otel] exporters the CA, and the handlers it writes work', async () => {
    const home = join(dir, 'codex-home');
    const lines = await initCodex({
      codexHome: home,
      url: pipeline.url,
      token: TOKEN,
      caFile: certs.ca,
      force: false,
    });
    expect(lines[0]).toContain(`(CA ${certs.ca})`);
    const otel = parseToml(readFileSync(join(home, 'config.toml'), 'utf8')).otel as Record<
      string,
      { 'otlp-http': { endpoint: string; tls?: unknown } }
    >;
    for (const key of ['exporter', 'trace_exporter'])
      expect(otel[key]!['otlp-http'].tls).toEqual({ 'ca-certificate': certs.ca });
    const hooks = (JSON.parse(readFileSync(join(home, 'hooks.json'), 'utf8')) as HooksFile).hooks;
    const command = hooks.PreToolUse![0]!.hooks[0]!.command;
    expect(command.endsWith(` ${certs.ca}`)).toBe(true);
    // Run exactly what Codex would run, through a shell.
    const denied = await promisify(execFile)('/bin/sh', [
      '-c',
      `${command} <<'EOF'\n${preToolUse('rm -rf x')}\nEOF`,
    ]);
    expect(denied.stdout).toMatch(/"permissionDecision":"deny".*no-rm/);
  });

  it('refuses a CA for an http:// server and a file that is no certificate', async () => {
    const home = join(dir, 'codex-home-refused');
    await expect(
      initCodex({ codexHome: home, url: 'http://127.0.0.1:4318', caFile: certs.ca, force: false }),
    ).rejects.toThrow(/a CA only applies to an https:\/\/ server URL/);
    await expect(
      initCodex({ codexHome: home, url: pipeline.url, caFile: certs.key, force: false }),
    ).rejects.toBeInstanceOf(CodexInitError);
  });
});

describe('certificates the receiver cannot serve with stop the start', () => {
  const config = (tls: Partial<ingestConfig.Config>) => ({ ...ingestConfig.createDefaultConfig(), ...tls });
  const problem = (tls: Partial<ingestConfig.Config>) => {
    try {
      ingestConfig.validate(config(tls));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('validate accepted it');
  };

  it('a certificate without its key, or a key without its certificate', () => {
    expect(problem({ tlsCertFile: certs.cert })).toMatch(/TLS needs both a certificate .* and its key/);
    expect(problem({ tlsKeyFile: certs.key })).toMatch(/TLS needs both/);
  });

  it('a key others can read', () => {
    const exposed = join(dir, 'exposed.key');
    copyFileSync(certs.key, exposed);
    chmodSync(exposed, 0o644);
    expect(problem({ tlsCertFile: certs.cert, tlsKeyFile: exposed })).toMatch(
      /TLS key .*exposed\.key is mode 0644, open to others: chmod 600/,
    );
  });

  it('a key that is not the certificate’s, a certificate that is not PEM, an expired one', () => {
    expect(problem({ tlsCertFile: certs.cert, tlsKeyFile: certs.expiredKey })).toMatch(
      /is not the key of the certificate/,
    );
    expect(problem({ tlsCertFile: certs.key, tlsKeyFile: certs.key })).toMatch(/is not a PEM certificate/);
    expect(problem({ tlsCertFile: certs.expiredCert, tlsKeyFile: certs.expiredKey })).toMatch(/expired on/);
  });

  it('accepts the good pair', () => {
    expect(() =>
      ingestConfig.validate(config({ tlsCertFile: certs.cert, tlsKeyFile: certs.key })),
    ).not.toThrow();
  });
});
