// The assembly stage's configuration, with its defaults and checks beside it: where bundles go and when
// actions are bundled and sessions sealed (assembler.ts explains the finalization rules).
import { ConfigError } from '../schemas/errors.js';

export interface Config {
  /** Data directory: bundles, keys, the bundle index. */
  dataDir: string;
  /** Quiet time after an action closes before it is bundled. */
  settleMs: number;
  /** Seal a session after this long without records. */
  idleTimeoutMs: number;
  /** How often settle and idle timers are checked while no record arrives. */
  tickIntervalMs: number;
  /** Not ready (GET /readyz) while more acknowledged records than this wait to be read. */
  maxLagRecords: number;
}

export function createDefaultConfig(): Config {
  return {
    dataDir: '.proofline',
    settleMs: 30_000,
    idleTimeoutMs: 600_000,
    tickIntervalMs: 250,
    maxLagRecords: 100_000,
  };
}

export function validate(config: Config): void {
  if (config.dataDir.trim() === '') throw new ConfigError('assembler: dataDir is empty');
  for (const key of ['settleMs', 'idleTimeoutMs', 'tickIntervalMs', 'maxLagRecords'] as const) {
    if (!Number.isSafeInteger(config[key]) || config[key] <= 0)
      throw new ConfigError(`assembler: ${key} must be a positive integer`);
  }
}
