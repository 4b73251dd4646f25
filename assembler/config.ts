// The assembly stage's configuration, with its defaults and checks beside it: where bundles go and when
// actions are bundled and sessions sealed (assembler.ts explains the finalization rules).
import { resolve, sep } from 'node:path';

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
  /** Sign with a key that group or others can read (refused otherwise); every bundle then records it. */
  allowInsecureKey: boolean;
  /** Where signed checkpoints of the transparency log are published, outside the data directory: a directory
   * (one file per checkpoint, never replaced) or a file (replaced, never by an older checkpoint). */
  witness: string | undefined;
}

export function createDefaultConfig(): Config {
  return {
    dataDir: '.proofline',
    settleMs: 30_000,
    idleTimeoutMs: 600_000,
    tickIntervalMs: 250,
    maxLagRecords: 100_000,
    allowInsecureKey: false,
    witness: undefined,
  };
}

export function validate(config: Config): void {
  if (config.dataDir.trim() === '') throw new ConfigError('assembler: dataDir is empty');
  if (config.witness !== undefined) {
    // A witness inside the data directory is no witness: whoever can rewrite the one can rewrite the other.
    const data = resolve(config.dataDir);
    const witness = resolve(config.witness);
    if (witness === data || witness.startsWith(`${data}${sep}`))
      throw new ConfigError(`assembler: the witness ${config.witness} must be outside the data directory`);
  }
  for (const key of ['settleMs', 'idleTimeoutMs', 'tickIntervalMs', 'maxLagRecords'] as const) {
    if (!Number.isSafeInteger(config[key]) || config[key] <= 0)
      throw new ConfigError(`assembler: ${key} must be a positive integer`);
  }
}
