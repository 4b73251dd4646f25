// startProofline: OTLP/HTTP to <url>/v1/traces with the bearer token, the runtime family on the resource and in
// the guard's requests, and a shutdown that lets it start again.
import { afterEach, describe, expect, it } from 'vitest';

import { createAction, guard, startProofline, updateOutcome } from '../../sdk/index.js';
import { fakeServer, type FakeRequest } from './support.js';

type KeyValue = { key: string; value: { stringValue?: string } };
interface TraceExport {
  resourceSpans: Array<{
    resource: { attributes: KeyValue[] };
    scopeSpans: Array<{ scope: { name: string }; spans: Array<{ name: string }> }>;
  }>;
}

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function collector(): Promise<{ url: string; requests: FakeRequest[] }> {
  const server = await fakeServer((request) =>
    request.url === '/v1/decide'
      ? {
          status: 200,
          body: {
            decision: {
              route: 'allow',
              verdict: 'allow',
              reason: 'ok',
              matched_rules: [],
              policy_digest: '',
            },
          },
        }
      : { status: 200, body: {} },
  );
  servers.push(server);
  return server;
}

const attribute = (attributes: KeyValue[], key: string) =>
  attributes.find((a) => a.key === key)?.value.stringValue;

describe('startProofline', () => {
  it('exports spans to <url>/v1/traces under the runtime family, and can be started again after shutdown', async () => {
    for (const runtimeFamily of ['gateway', 'framework_sdk'] as const) {
      const server = await collector();
      const telemetry = startProofline({
        url: `${server.url}/`,
        token: 'tok',
        serviceName: 'agent-x',
        runtimeFamily,
      });
      const action = createAction({ tool: 'shell', input: { command: 'ls' }, sessionId: 's' });
      await guard(action);
      updateOutcome(action, { executed: true, success: true });
      await telemetry.shutdown();

      const decide = server.requests.find((r) => r.url === '/v1/decide')!;
      expect((decide.body as { runtime_family: string }).runtime_family).toBe(runtimeFamily);
      const traces = server.requests.filter((r) => r.url === '/v1/traces');
      expect(traces).toHaveLength(1);
      expect(traces[0]!.headers.authorization).toBe('Bearer tok');
      const [resourceSpans] = (traces[0]!.body as TraceExport).resourceSpans;
      expect(attribute(resourceSpans!.resource.attributes, 'proofline.runtime.family')).toBe(runtimeFamily);
      expect(attribute(resourceSpans!.resource.attributes, 'service.name')).toBe('agent-x');
      const [scope] = resourceSpans!.scopeSpans;
      expect(scope!.scope.name).toBe('proofline/sdk');
      expect(scope!.spans.map((s) => s.name)).toEqual(['execute_tool shell']);
      // Nothing else: no metric or log exporters of NodeSDK's own.
      expect(server.requests.map((r) => r.url).sort()).toEqual(['/v1/decide', '/v1/traces']);
    }
  });
});
