// The common first half of `verify` and `report`: find the bundle files, decide which keys to trust, open the
// database and verify everything into it.
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import {
  readApproversFile,
  REGISTERED_APPROVERS_FILE,
  type Approver,
  type ApproverSet,
} from '../schemas/approvers.js';
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
  /** The approvers trusted for signed approval grants; without it, the data directories' registered ones. */
  approvers?: string;
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
  const approvers = options.approvers
    ? readApproversFile(options.approvers)
    : registeredApprovers(sources.keyDirs, output);
  await verifyBundles(db, {
    sources: sources.sources,
    keys,
    policies: options.policies,
    dataDirs: sources.dataDirs,
    layoutProblems: sources.layoutProblems,
    checkpoints: options.checkpoints,
    embeddedLog: options.embeddedLog,
    ...(approvers === undefined ? {} : { approvers }),
  });
}

/** The approvers the data directories' servers registered, with the same warning as their keys. */
function registeredApprovers(dataDirs: readonly string[], output: Output): ApproverSet | undefined {
  let merged: Map<string, Approver> | undefined;
  for (const dir of dataDirs) {
    const file = join(dir, 'keys', REGISTERED_APPROVERS_FILE);
    if (!existsSync(file)) continue;
    merged = new Map([...(merged ?? []), ...readApproversFile(file)]);
    output.stderr.write(
      `proofline: warning: trusting approvers from ${file}, which came with the bundles. Pass --approvers with ` +
        'an approvers file you obtained separately.\n',
    );
  }
  return merged;
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
