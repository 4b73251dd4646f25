// One call to send an application's traces to proofline: a NodeSDK exporting OTLP/HTTP to `<url>/v1/traces`
// under the runtime family, with the SDK's guard pointed at the same server. Optional: the action functions
// only use `@opentelemetry/api`, so an application that already configures OpenTelemetry keeps its setup and
// calls `configureProofline` instead.
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK, resources, tracing } from '@opentelemetry/sdk-node';

import type { RuntimeFamily } from '../schemas/observation.js';
import { configureProofline } from './config.js';
import { SPAN } from '../schemas/attributes.js';

export interface StartOptions {
  /** The proofline server, e.g. `http://127.0.0.1:4318`. */
  url: string;
  token?: string;
  serviceName?: string;
  /** Default `framework_sdk`. */
  runtimeFamily?: RuntimeFamily;
}

export interface ProoflineTelemetry {
  /** Sends every span ended so far, and resolves once the server has acknowledged them. */
  flush(): Promise<void>;
  /** Flushes, stops the SDK, and unregisters it, so that `startProofline` can be called again. */
  shutdown(): Promise<void>;
}

export function startProofline(options: StartOptions): ProoflineTelemetry {
  const { url, token, serviceName } = options;
  const runtimeFamily = options.runtimeFamily ?? 'framework_sdk';
  const base = url.endsWith('/') ? url : `${url}/`;
  const exporter = new OTLPTraceExporter({
    url: new URL('v1/traces', base).href,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  // Held here rather than left to NodeSDK so that `flush` can reach it.
  const processor = new tracing.BatchSpanProcessor(exporter);
  const sdk = new NodeSDK({
    ...(serviceName === undefined ? {} : { serviceName }),
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes({ [SPAN.runtimeFamily]: runtimeFamily })),
    spanProcessors: [processor],
    // Without these NodeSDK would start OTLP metric and log exporters to the default endpoint of its own.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  configureProofline({ url, ...(token ? { token } : {}), runtimeFamily });
  return {
    flush: () => processor.forceFlush(),
    async shutdown() {
      await sdk.shutdown();
      // NodeSDK registers these globals and never unregisters them; a later registration would be refused.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
