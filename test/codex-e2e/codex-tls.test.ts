// The real Codex CLI 0.169.0 against `proofline serve --tls-cert/--tls-key` with a CA made by openssl in the
// test, configured by the real `proofline init codex --ca-cert … --trust`: the hooks go over https through the
// sh client (curl --cacert) and Codex's own OTLP exporter trusts the CA through `[otel] … tls = {
// ca-certificate }`. Proof that both channels work: the receiver counted Codex's logs and spans (all answered
// 200), and the call's bundle holds the decision the hook client fetched. CODEX_E2E=0 skips it, as the other Codex tests.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'node:https';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { codexEnv, codexExec, installCodex, type CodexExecResult } from '../../harness/codex/codex-exec.js';
import { writeCodexHome } from '../../harness/codex/codex-home.js';
import { startServe, waitForSeals, type ServeProcess } from '../../harness/codex/proofline-serve.js';
import { PROOFLINE_CLI } from '../../harness/codex/repo.js';
import { startResponsesServer, type ResponsesServer } from '../../harness/codex/responses-server.js';
import { actionProofs, readBundles, type BundleFile } from '../e2e/support.js';
import { makeTestCerts } from '../tls/certs.js';
import { createWorkspace } from './workspace.js';

function httpsJson<T>(url: string, ca: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: readFileSync(ca) }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(JSON.parse(body) as T));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(process.env.CODEX_E2E === '0')('real Codex CLI to proofline over TLS', () => {
  let serve: ServeProcess | undefined;
  let model: ResponsesServer | undefined;
  let run: CodexExecResult;
  let bundles: BundleFile[];
  let config: string;
  let status: { requests: Record<string, number>; records: { received: Record<string, number> } };

  beforeAll(async () => {
    expect(existsSync(PROOFLINE_CLI), 'build first: npm run build').toBe(true);
    const codex = await installCodex();
    const root = await mkdtemp(join(tmpdir(), 'proofline-codex-tls-'));
    const certs = makeTestCerts(root);
    const dataDir = join(root, 'data');
    const workspace = await createWorkspace(root);
    serve = await startServe({
      dataDir,
      settleMs: 500,
      idleTimeoutMs: 60_000,
      extraArgs: ['--tls-cert', certs.cert, '--tls-key', certs.key],
    });
    model = await startResponsesServer(['ls']);
    const codexHome = join(root, 'codex-home');
    const env = codexEnv(codexHome, workspace.gitEnv);
    await writeCodexHome({
      dir: codexHome,
      modelBaseUrl: model.baseUrl,
      prooflineUrl: serve.url,
      caFile: certs.ca,
      hooks: { codex, env },
    });
    config = await readFile(join(codexHome, 'config.toml'), 'utf8');
    run = await codexExec({ codex, codexHome, cwd: workspace.dir, env, prompt: 'List the files.' });
    // Codex exports at exit, so once it has exited the receiver has counted everything it will get.
    status = await httpsJson(`${serve.url}/v1/status`, certs.ca);
    await waitForSeals(dataDir, 1);
    expect(await serve.stop(), `proofline serve log:\n${serve.log.join('\n')}`).toBe(0);
    bundles = await readBundles(dataDir);
  }, 300_000);

  afterAll(async () => {
    await serve?.stop();
    await model?.close();
  });

  it('serves https, and init wrote the CA into the exporters', () => {
    expect(serve!.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(config).toMatch(
      /trace_exporter = \{ otlp-http = \{ endpoint = "https:[^\n]*tls = \{ ca-certificate = "/,
    );
  });

  it('received Codex’s exported logs and spans over TLS, every request answered 200', () => {
    expect(run.exitCode, run.stderr).toBe(0);
    expect(status.records.received.logs).toBeGreaterThan(0);
    expect(status.records.received.traces).toBeGreaterThan(0);
    expect(Object.keys(status.requests)).toEqual(['200']);
  });

  it('bundles the call with the guard decision the hook client fetched over TLS', () => {
    const [proof, ...others] = actionProofs(bundles);
    expect(others).toEqual([]);
    expect(proof!.summary.route).toBe('allow');
    const admissibility = proof!.evidence.receipts.find((r) => r.checkpoint === 'admissibility')!;
    expect(admissibility.status).toBe('present');
    expect(admissibility.observations.map((o) => o.source)).toEqual(['hook']);
  });
});
