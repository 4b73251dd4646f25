// The common first half of `verify` and `report`: find the bundle files, decide which keys to trust, open the
// database and verify everything into it.
import type { KeyObject } from 'node:crypto';

import type { PolicyInForce } from './checks/route-rederive.js';
import type { Database } from './database.js';
import { discoverBundleFiles } from './discover.js';
import { VerifierError } from './errors.js';
import type { Output } from './output.js';
import { producerKeySets, readKeySet } from './trusted-keys.js';
import { verifyBundles } from './verify.js';

export interface LoadPathsOptions {
  paths: string[];
  /** A key set obtained independently of the bundles; without it, the data directories' own. */
  keys?: string;
  /** Whether running without any key to trust is an error (verify) or just yields failed signatures (report). */
  requireKeys: boolean;
  /** The policies in force, by digest, to replay decisions under (verify's `--policy`). */
  policies?: ReadonlyMap<string, PolicyInForce>;
  /** Published checkpoints to check the data directories' logs against (`--checkpoint`). */
  checkpoints?: string[];
  /** The embedded transport's DuckDB file to compare the seals with (`--log`). */
  embeddedLog?: string;
}

export async function loadPaths(db: Database, options: LoadPathsOptions, output: Output): Promise<void> {
  const sources = await discoverBundleFiles(options.paths);
  const keys = options.keys
    ? await readKeySet(options.keys)
    : await producerKeys(sources.keyDirs, options, output);
  await verifyBundles(db, {
    sources: sources.sources,
    keys,
    policies: options.policies,
    dataDirs: sources.dataDirs,
    layoutProblems: sources.layoutProblems,
    checkpoints: options.checkpoints,
    embeddedLog: options.embeddedLog,
  });
}

async function producerKeys(
  dataDirs: string[],
  options: LoadPathsOptions,
  output: Output,
): Promise<Map<string, KeyObject>> {
  const { files, keys } = await producerKeySets(dataDirs);
  if (files.length === 0 && options.requireKeys) {
    throw new VerifierError(
      'NO_TRUSTED_KEYS',
      'no --keys given and no keys/public-keys.json in the data directory',
    );
  }
  for (const file of files) {
    output.stderr.write(
      `proofline: warning: trusting ${file}, which came with the bundles: this shows they match the producer's own ` +
        'key, not that the producer is who you think. Pass --keys with a key set you obtained separately.\n',
    );
  }
  return keys;
}
