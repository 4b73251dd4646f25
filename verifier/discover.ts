// Which files to verify: data directories contribute `bundles/**/*.dsse.json`, files are taken as given.
// Also remembers each data directory, because that is where the producer's own public keys live.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

import { VerifierError } from './errors.js';

export interface BundleSources {
  /** In a stable order (sorted within each path), each real file once. */
  files: string[];
  dataDirs: string[];
}

const BUNDLE_SUFFIX = '.dsse.json';

export async function discoverBundleFiles(paths: readonly string[]): Promise<BundleSources> {
  const files: string[] = [];
  const dataDirs = new Set<string>();
  const seen = new Set<string>();
  const add = (file: string): void => {
    // The same file reached twice (overlapping arguments) must not look like a duplicated bundle.
    const key = resolve(file);
    if (!seen.has(key)) {
      seen.add(key);
      files.push(file);
    }
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new VerifierError('PATH_NOT_FOUND', `no such file or directory: ${path}`);
    if (info.isFile()) {
      add(path);
      const dataDir = dataDirOfBundle(path);
      if (dataDir) dataDirs.add(dataDir);
      continue;
    }
    const bundlesDir = join(path, 'bundles');
    const isDataDir = (await stat(bundlesDir).catch(() => undefined))?.isDirectory() ?? false;
    if (isDataDir) dataDirs.add(path);
    const root = isDataDir ? bundlesDir : path;
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    entries
      .filter((entry) => entry.isFile() && entry.name.endsWith(BUNDLE_SUFFIX))
      .map((entry) => join(entry.parentPath, entry.name))
      .sort()
      .forEach(add);
  }
  if (files.length === 0)
    throw new VerifierError('NO_BUNDLES', `no ${BUNDLE_SUFFIX} files under ${paths.join(', ')}`);
  return { files, dataDirs: [...dataDirs] };
}

/** `<data>/bundles/<session>/<file>` → `<data>`; undefined for a file that lives elsewhere. */
function dataDirOfBundle(file: string): string | undefined {
  const sessionDir = dirname(resolve(file));
  const bundlesDir = dirname(sessionDir);
  return basename(bundlesDir) === 'bundles' ? dirname(bundlesDir) : undefined;
}

/** The chain position a file name claims (`000003-call.dsse.json` → 3); compared with the signed sequence. */
export function fileSequence(file: string): number | null {
  const match = /^(\d{6})-/.exec(basename(file));
  return match ? Number(match[1]) : null;
}
