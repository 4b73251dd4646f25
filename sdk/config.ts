// Where the SDK's guard calls go. `startProofline` sets it; an application with its own OpenTelemetry setup
// calls `configureProofline` (or sets PROOFLINE_URL / PROOFLINE_TOKEN, the variables `proofline hook` reads).
import { DEFAULT_SERVER_URL, ENV } from '../schemas/endpoints.js';
import type { RuntimeFamily } from '../schemas/observation.js';

export interface ProoflineConfig {
  /** The proofline server, e.g. `http://127.0.0.1:4318` (the receiver that also takes /v1/traces). */
  url: string;
  /** Bearer token, when the server was started with `--token`. */
  token?: string;
  /** Sent with every decide request; must match what the spans say (`proofline.runtime.family`). */
  runtimeFamily: RuntimeFamily;
}

let configured: ProoflineConfig | undefined;

export function configureProofline(config: Partial<ProoflineConfig> & { url: string }): void {
  configured = { runtimeFamily: 'framework_sdk', ...config };
}

/** The configured server, else the environment's, else the default local server. Read at each call, so a
 * later `configureProofline` applies to actions already created. */
export function currentConfig(): ProoflineConfig {
  if (configured) return configured;
  const token = process.env[ENV.token];
  return {
    url: process.env[ENV.url] ?? DEFAULT_SERVER_URL,
    ...(token ? { token } : {}),
    runtimeFamily: 'framework_sdk',
  };
}
