// Shared by the proofline/sdk tests: a small policy in the engine's format, the real embedded pipeline with the
// SDK's real OpenTelemetry setup exporting to it, and the bundles of one session read back.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

import { startPipeline, type Pipeline } from '../../service/embedded.js';
import { loadGuard } from '../../policy/load.js';
import type { ActionProof } from '../../schemas/bundle.js';
import { startProofline, type ProoflineTelemetry } from '../../sdk/index.js';
import { actionProofs, freshDataDir, readBundles, startTestPipeline } from '../e2e/support.js';

/** Secrets stay on the machine; destructive commands need approval. */
export const SDK_POLICY = `version: 1
name: sdk-test
default_route: allow
classes:
  secret: [credentials, private_key, dotenv, secret_env]
rules:
  - id: no-secret-payload
    modality: prohibit
    route: block
    reason: Secrets never leave the machine
    when:
      labels: [network_egress, external_write]
      sensitive_payload: [yes]
  - id: no-egress-after-secret-read
    modality: prohibit
    route: block
    reason: This session has read a secret; nothing may be sent out of the machine from it
    when:
      labels: [external_write]
      ancestry: { any: [secret] }
  - id: destructive-needs-approval
    modality: prohibit
    route: approval_gate
    reason: Destructive commands need approval
    when:
      labels: [destructive]
`;

export interface SdkPipeline {
  pipeline: Pipeline;
  telemetry: ProoflineTelemetry;
  /** Where the actions run: the cwd given to guard() and recordAssumption(). */
  workDir: string;
  /** Sends the SDK's spans, bundles and seals everything, and returns the action bundles of `session`. */
  proofsOf(session: string): Promise<ActionProof[]>;
  stop(): Promise<void>;
}

/** `approversFile`: whose signed grants the server accepts (test/guard/approver.ts). */
export async function startSdkPipeline(options: { approversFile?: string } = {}): Promise<SdkPipeline> {
  const pipeline =
    options.approversFile === undefined
      ? await startTestPipeline()
      : await startPipeline({
          dataDir: await freshDataDir(),
          ingest: { port: 0, approversFile: options.approversFile },
        });
  const workDir = await freshDataDir('proofline-sdk-work-');
  const policyFile = join(workDir, 'policy.yaml');
  await writeFile(policyFile, SDK_POLICY);
  pipeline.setGuard(loadGuard(policyFile));
  const telemetry = startProofline({ url: pipeline.url, serviceName: 'sdk-test-agent' });
  return {
    pipeline,
    telemetry,
    workDir,
    async proofsOf(session) {
      await telemetry.flush();
      await pipeline.flush();
      return actionProofs(await readBundles(pipeline.dataDir)).filter(
        (p) => p.summary.session_id === session,
      );
    },
    async stop() {
      await telemetry.shutdown();
      await pipeline.close();
    },
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface FakeRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A stand-in server whose answers the test scripts; it records every request. */
export async function fakeServer(
  answer: (request: FakeRequest) => { status: number; body: unknown },
): Promise<{ url: string; requests: FakeRequest[]; close(): Promise<void> }> {
  const requests: FakeRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
      };
      requests.push(request);
      const { status, body } = answer(request);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // fetch keeps its connections alive; they would hold close() open.
        server.closeAllConnections();
      }),
  };
}
