// What to verify. A data directory contributes its segments (`segments/*.jsonl`, schemas/segment.ts), any
// exported bundle files under `bundles/` (`proofline export`), and its transparency log (`tlog/`); a bundle
// file given by path is taken as given. Walking a data directory never follows a symbolic link and never opens
// anything but a regular file: a link, a FIFO or a device where evidence belongs is reported as a failed
// `location` check, never skipped in silence and never read (a FIFO would hang the verifier).
import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

import { BUNDLES_DIR } from '../schemas/bundle.js';
import { SEGMENTS_DIR, segmentNumber } from '../schemas/segment.js';
import { TLOG_DIR } from '../schemas/tlog.js';
import type { CheckResult } from './checks/check.js';
import { VerifierError } from './errors.js';

export type Source =
  /** A bundle file. `placed`: it sits in an export's `bundles/<session folder>/`, so its place is checked. */
  { kind: 'file'; path: string; placed: boolean } | { kind: 'segment'; path: string; segment: number };

export interface BundleSources {
  /** In a stable order (sorted within each path), each real file once. */
  sources: Source[];
  /** Directories given as data directories (they hold segments, bundles or a log), whose log is checked. */
  dataDirs: string[];
  /** Where the producer's own public keys may be: the data directories, and those of bundle files given. */
  keyDirs: string[];
  /** Where evidence should be and something else is (links, special files, stray names). */
  layoutProblems: CheckResult[];
}

const BUNDLE_SUFFIX = '.dsse.json';
/** Entries walked under one path before the verifier gives up on it (a directory bomb). */
const MAX_ENTRIES = 10_000_000;

export async function discoverBundleFiles(paths: readonly string[]): Promise<BundleSources> {
  const found: BundleSources = { sources: [], dataDirs: [], keyDirs: [], layoutProblems: [] };
  const seen = new Set<string>();
  const add = (source: Source): void => {
    // The same file reached twice (overlapping arguments) must not look like a duplicated bundle.
    const key = resolve(source.path);
    if (!seen.has(key)) {
      seen.add(key);
      found.sources.push(source);
    }
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new VerifierError('PATH_NOT_FOUND', `no such file or directory: ${path}`);
    if (info.isFile()) {
      add(bundleFile(path));
      const dataDir = dataDirOfBundle(path);
      if (dataDir !== undefined && !found.keyDirs.includes(dataDir)) found.keyDirs.push(dataDir);
      continue;
    }
    if (!info.isDirectory()) throw new VerifierError('PATH_NOT_FOUND', `not a file or directory: ${path}`);
    const parts = await Promise.all(
      [SEGMENTS_DIR, BUNDLES_DIR, TLOG_DIR].map((name) => lstat(join(path, name)).catch(() => undefined)),
    );
    const isDataDir = parts.some((part) => part !== undefined);
    if (!isDataDir) {
      // A folder of bundle files (say, one session's): every bundle file under it, links reported.
      for (const file of await walk(path, found.layoutProblems))
        if (file.endsWith(BUNDLE_SUFFIX)) add(bundleFile(file));
      continue;
    }
    found.dataDirs.push(path);
    found.keyDirs.push(path);
    for (const [i, name] of [SEGMENTS_DIR, BUNDLES_DIR, TLOG_DIR].entries()) {
      const part = parts[i];
      if (part && !part.isDirectory()) found.layoutProblems.push(misplaced(join(path, name), describe(part)));
    }
    if (parts[0]?.isDirectory())
      for (const file of await walk(join(path, SEGMENTS_DIR), found.layoutProblems)) {
        const segment = segmentNumber(basename(file));
        if (segment !== undefined && dirname(file) === join(path, SEGMENTS_DIR))
          add({ kind: 'segment', path: file, segment });
        else found.layoutProblems.push(misplaced(file, 'not a segment (segments/NNNNNN.jsonl)'));
      }
    if (parts[1]?.isDirectory())
      for (const file of await walk(join(path, BUNDLES_DIR), found.layoutProblems)) {
        if (!file.endsWith(BUNDLE_SUFFIX)) continue;
        // Read wherever it is, but a bundle belongs directly in its session's folder (bundles/<session>/).
        if (dirname(dirname(file)) !== join(path, BUNDLES_DIR))
          found.layoutProblems.push(misplaced(file, 'not directly in a session folder (bundles/<session>/)'));
        add(bundleFile(file));
      }
  }
  if (found.sources.length === 0 && found.dataDirs.length === 0)
    throw new VerifierError('NO_BUNDLES', `no segments or ${BUNDLE_SUFFIX} files under ${paths.join(', ')}`);
  return found;
}

/** `<data>/bundles/<session>/<file>` → `<data>`; undefined for a file that lives elsewhere. */
function dataDirOfBundle(file: string): string | undefined {
  const bundlesDir = dirname(dirname(resolve(file)));
  return basename(bundlesDir) === BUNDLES_DIR ? dirname(bundlesDir) : undefined;
}

function bundleFile(path: string): Source {
  return { kind: 'file', path, placed: basename(dirname(dirname(resolve(path)))) === BUNDLES_DIR };
}

/** Regular files under `root` in sorted order; anything else that is not a directory is a layout problem. */
async function walk(root: string, problems: CheckResult[]): Promise<string[]> {
  const files: string[] = [];
  let visited = 0;
  const visit = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      if (++visited > MAX_ENTRIES)
        throw new VerifierError('NO_BUNDLES', `more than ${MAX_ENTRIES} entries under ${root}`);
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await visit(path);
      else if (entry.isFile()) files.push(path);
      else problems.push(misplaced(path, describe(await lstat(path))));
    }
  };
  await visit(root);
  return files;
}

function describe(info: Awaited<ReturnType<typeof lstat>>): string {
  if (info.isSymbolicLink()) return 'a symbolic link where evidence belongs: not followed';
  if (info.isDirectory()) return 'a directory where a file belongs';
  if (info.isFile()) return 'a file where a directory belongs';
  return 'a special file (FIFO, socket or device) where evidence belongs: not read';
}

export function misplaced(path: string, detail: string): CheckResult {
  return {
    subject: path,
    file: path,
    session_id: null,
    action_id: null,
    check_name: 'location',
    status: 'fail',
    code: 'location',
    detail,
  };
}

/** The chain position a file name claims (`000003-call.dsse.json` → 3); compared with the signed sequence. */
export function fileSequence(file: string): number | null {
  const match = /^(\d{6})-/.exec(basename(file));
  return match ? Number(match[1]) : null;
}
