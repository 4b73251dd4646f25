// The transparency log over the sealed sessions (schemas/checkpoint.md, schemas/tlog.ts), checked from the
// auditor's side:
// - log_consistency: the log's leaves hash to the root its own signed checkpoint states (signed by a trusted
//   key, for this log's origin), and to the root of every published checkpoint given (`--checkpoint`, a note
//   or a witness directory): an RFC 9162 consistency proof from each published tree to the current one. A
//   checkpoint that a witness holds cannot be re-signed by whoever holds the key, so a truncated log, or
//   one rebuilt over other seals, fails here even when everything in the data directory was re-signed.
// - log_inclusion: every seal present is a leaf (an inclusion proof to the current root), and every leaf's
//   seal is present: a deleted session, or a seal replaced by a re-sealed one, leaves a leaf without its seal.
// - log_records (`--log`): each seal's observation count and root against the embedded log's records of its
//   session, so a log edited after sealing (records removed or added) shows, and a rebuild from an edited log
//   would be seen to lose what it lost.
// Every file is read with a size cap; a hostile file fails a check, it never hangs or crashes the verifier.
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';

import {
  CheckpointError,
  ed25519NoteVerifier,
  MAX_NOTE_BYTES,
  openCheckpoint,
  parseCheckpoint,
  type NoteVerifier,
} from '../../schemas/checkpoint.js';
import {
  digestLeafHash,
  MerkleError,
  MerkleLog,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from '../../schemas/merkle.js';
import {
  CHECKPOINT_FILE,
  isLogOrigin,
  LEAF_LINE_BYTES,
  LEAVES_FILE,
  noteBody,
  ORIGIN_FILE,
  parseLeaves,
  TLOG_DIR,
} from '../../schemas/tlog.js';
import type { Database } from '../database.js';
import { SEGMENTS_DIR } from '../../schemas/segment.js';
import { sessionSubject, type CheckName, type CheckResult } from './check.js';
import type { TrustedKeys } from './signature.js';

export interface LogCheckOptions {
  dataDirs: readonly string[];
  keys: TrustedKeys;
  /** Published checkpoints: note files, or witness directories of them. */
  checkpoints: readonly string[];
  /** The embedded transport's DuckDB file (`<data>/pipeline.duckdb`), to compare seals with. */
  embeddedLog?: string;
}

interface LoadedLog {
  dataDir: string;
  origin: string;
  leaves: string[];
  /** Each digest's first leaf index. */
  indexOf: Map<string, number>;
  tree: MerkleLog;
  /** The largest published checkpoint found consistent with it. */
  witnessed: number;
}

/** A leaves file larger than this (some 16 million seals) is not read. */
const MAX_LEAVES_BYTES = 1024 * 1024 * 1024;
/** Checkpoint files read from one witness directory. */
const MAX_WITNESS_FILES = 100_000;
/** Leaves without a seal listed one by one; beyond, one more row says how many more. */
const MAX_LEAF_ROWS = 1000;

export async function logChecks(db: Database, options: LogCheckOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const logs: LoadedLog[] = [];
  for (const dataDir of options.dataDirs) {
    const read = await readLog(dataDir, options.keys);
    results.push(read.result);
    if (read.log) logs.push(read.log);
  }
  for (const note of await publishedCheckpoints(options.checkpoints))
    results.push(checkPublished(note, logs, options.keys));

  const seals = await db.rows<{
    file: string;
    session_id: string;
    digest: string;
    observation_count: number;
    observations_root: string;
  }>('SELECT file, session_id, digest, observation_count, observations_root FROM seals ORDER BY file');
  if (logs.length > 0) {
    results.push(...seals.map((seal) => inclusion(seal, logs, options.checkpoints.length > 0)));
    results.push(...leavesWithoutSeals(logs, new Set(seals.map((s) => s.digest))));
  }
  if (options.embeddedLog !== undefined)
    results.push(...(await againstEmbeddedLog(options.embeddedLog, seals)));
  return results;
}

function result(
  check: CheckName,
  subject: string,
  problem: string | null,
  detail = '',
  owner: { file?: string | null; session_id?: string | null } = {},
): CheckResult {
  return {
    subject,
    file: owner.file ?? null,
    session_id: owner.session_id ?? null,
    action_id: null,
    check_name: check,
    status: problem === null ? 'pass' : 'fail',
    code: problem === null ? null : check,
    detail: problem ?? detail,
  };
}

function verifiersFor(origin: string, keys: TrustedKeys): NoteVerifier[] {
  return [...keys.values()].map((key) => ed25519NoteVerifier(origin, key));
}

/** Reads a file no larger than `max` bytes (as UTF-8: a note's em dashes; ASCII files read the same either
 * way); no text, and the reason, otherwise. */
/** `missing`: what a file that does not exist reads as (else it is a problem). */
async function readCapped(
  path: string,
  max: number,
  missing?: string,
): Promise<{ text?: string; problem?: string }> {
  try {
    const info = await lstat(path);
    if (!info.isFile()) return { problem: `${path} is not a regular file` };
    if (info.size > max) return { problem: `${path} is ${info.size} bytes, over the ${max}-byte limit` };
    return { text: await readFile(path, 'utf8') };
  } catch (error) {
    if (missing !== undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return { text: missing };
    return { problem: `cannot read ${path}: ${(error as Error).message}` };
  }
}

async function readLog(
  dataDir: string,
  keys: TrustedKeys,
): Promise<{ log?: LoadedLog; result: CheckResult }> {
  const dir = join(dataDir, TLOG_DIR);
  const subject = `tlog:${dataDir}`;
  const fail = (problem: string) => ({ result: result('log_consistency', subject, problem) });
  const info = await lstat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    // The writer always keeps a log beside its segments; bundle files alone (a dump of the bundles topic, an
    // export without its log) are only files, and a published checkpoint given for them still fails below.
    if (await lstat(join(dataDir, SEGMENTS_DIR)).catch(() => undefined))
      return fail(`the data directory has no transparency log (${TLOG_DIR}/): it was deleted`);
    return {
      result: {
        ...result('log_consistency', subject, null),
        status: 'skip',
        detail: `no transparency log (${TLOG_DIR}/) beside these bundle files: nothing to check them against`,
      },
    };
  }
  const origin = await readCapped(join(dir, ORIGIN_FILE), 1024);
  if (origin.text === undefined) return fail(origin.problem!);
  const originLine = origin.text.trim();
  if (!isLogOrigin(originLine)) return fail(`${ORIGIN_FILE} does not hold a proofline log origin`);
  // The writer creates the leaves file with its first seal (an assembler that sealed nothing yet, say one that
  // handed its sessions over before they ended, has none): no file is no leaves, and a signed checkpoint that
  // covers any fails below as a truncated log.
  const leavesFile = await readCapped(join(dir, LEAVES_FILE), MAX_LEAVES_BYTES, '');
  if (leavesFile.text === undefined) return fail(leavesFile.problem!);
  const parsed = parseLeaves(leavesFile.text);
  if (parsed.malformed.length > 0)
    return fail(`${LEAVES_FILE} line ${parsed.malformed[0]} is not a lower-case hex seal digest`);
  if (parsed.tornBytes > 0)
    return fail(
      `${LEAVES_FILE} ends in ${parsed.tornBytes} bytes that are not a whole leaf line (${LEAF_LINE_BYTES} bytes)`,
    );
  const tree = MerkleLog.fromLeafHashes(parsed.leaves.map(digestLeafHash));
  const indexOf = new Map<string, number>();
  parsed.leaves.forEach((digest, i) => {
    if (!indexOf.has(digest)) indexOf.set(digest, i);
  });
  const log: LoadedLog = { dataDir, origin: originLine, leaves: parsed.leaves, indexOf, tree, witnessed: 0 };
  const note = await readCapped(join(dir, CHECKPOINT_FILE), MAX_NOTE_BYTES);
  if (note.text === undefined) return { log, result: result('log_consistency', subject, note.problem!) };
  let size: number;
  let root: Buffer;
  try {
    ({ size, rootHash: root } = openCheckpoint(
      note.text,
      verifiersFor(originLine, keys),
      originLine,
    ).checkpoint);
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    return { log, result: result('log_consistency', subject, `${CHECKPOINT_FILE}: ${error.message}`) };
  }
  const problem =
    size > tree.size
      ? `the signed checkpoint covers ${size} seals, the leaves only ${tree.size}: the log was truncated`
      : !tree.root(size).equals(root)
        ? `the leaves do not hash to the signed checkpoint's root: the log was rewritten`
        : size < tree.size
          ? `${tree.size - size} leaves after the last signed checkpoint (of ${size}): appended without the server`
          : null;
  return {
    log,
    result: result('log_consistency', subject, problem, `${tree.size} seals under a signed checkpoint`),
  };
}

interface Published {
  file: string;
  note?: string;
  problem?: string;
}

async function publishedCheckpoints(paths: readonly string[]): Promise<Published[]> {
  const notes: Published[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    const files = info?.isDirectory()
      ? (await readdir(path))
          .filter((name) => name.endsWith('.checkpoint'))
          .sort()
          .slice(-MAX_WITNESS_FILES)
          .map((name) => join(path, name))
      : [path];
    for (const file of files) {
      const read = await readCapped(file, MAX_NOTE_BYTES);
      notes.push({ file, note: read.text, problem: read.problem });
    }
  }
  return notes;
}

function checkPublished(published: Published, logs: readonly LoadedLog[], keys: TrustedKeys): CheckResult {
  const subject = `checkpoint:${published.file}`;
  const fail = (problem: string) => result('log_consistency', subject, problem, '', { file: published.file });
  if (published.note === undefined) return fail(published.problem!);
  let origin: string;
  try {
    origin = parseCheckpoint(noteBody(published.note) ?? '').origin;
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    return fail(`not a signed checkpoint: ${error.message}`);
  }
  const log = logs.find((l) => l.origin === origin);
  if (!log)
    return fail(
      `a checkpoint of log ${origin}, and no data directory given holds that log: it was deleted or replaced`,
    );
  let size: number;
  let root: Buffer;
  try {
    ({ size, rootHash: root } = openCheckpoint(
      published.note,
      verifiersFor(origin, keys),
      origin,
    ).checkpoint);
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    return fail(error.message);
  }
  if (size > log.tree.size)
    return fail(
      `the published checkpoint covers ${size} seals, the log in ${log.dataDir} only ${log.tree.size}: ` +
        'sealed sessions were removed from the log',
    );
  try {
    verifyConsistency(size, log.tree.size, log.tree.consistencyProof(size), root, log.tree.root());
  } catch (error) {
    if (!(error instanceof MerkleError)) throw error;
    return fail(
      `the log in ${log.dataDir} does not extend the published checkpoint of ${size} seals: it was rewritten (${error.message})`,
    );
  }
  log.witnessed = Math.max(log.witnessed, size);
  return result(
    'log_consistency',
    subject,
    null,
    `consistent: the log grew from ${size} to ${log.tree.size} seals`,
    { file: published.file },
  );
}

function inclusion(
  seal: { file: string; session_id: string; digest: string },
  logs: readonly LoadedLog[],
  published: boolean,
): CheckResult {
  const owner = { session_id: seal.session_id };
  const subject = sessionSubject(seal.session_id);
  for (const log of logs) {
    const index = log.indexOf.get(seal.digest);
    if (index === undefined) continue;
    const leaf = digestLeafHash(seal.digest);
    verifyInclusion(leaf, index, log.tree.size, log.tree.inclusionProof(index), log.tree.root());
    const witnessed = !published
      ? ''
      : index < log.witnessed
        ? ', under the published checkpoint'
        : ', sealed after the last published checkpoint (not witnessed yet)';
    return result('log_inclusion', subject, null, `leaf ${index} of ${log.tree.size}${witnessed}`, owner);
  }
  return result(
    'log_inclusion',
    subject,
    `the seal ${seal.file} is not in the transparency log: it was made outside the log (forged, or re-sealed)`,
    '',
    owner,
  );
}

function leavesWithoutSeals(logs: readonly LoadedLog[], present: ReadonlySet<string>): CheckResult[] {
  const rows: CheckResult[] = [];
  let more = 0;
  for (const log of logs)
    log.leaves.forEach((digest, index) => {
      if (present.has(digest)) return;
      if (rows.length >= MAX_LEAF_ROWS) {
        more += 1;
        return;
      }
      rows.push(
        result(
          'log_inclusion',
          `tlog:${log.dataDir}#${index}`,
          `leaf ${index} is seal ${digest}, which is not in the data directory: a sealed session was deleted, or its seal replaced`,
        ),
      );
    });
  if (more > 0)
    rows.push(
      result('log_inclusion', 'tlog:…', `and ${more} more leaves whose seals are not in the data directory`),
    );
  return rows;
}

async function againstEmbeddedLog(
  path: string,
  seals: readonly { session_id: string; observation_count: number; observations_root: string }[],
): Promise<CheckResult[]> {
  const logged = new Map<string, string[]>();
  let instance: DuckDBInstance | undefined;
  try {
    instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const rows = await connection.runAndReadAll(
        'SELECT session_id, list(DISTINCT id ORDER BY id) AS ids FROM observations GROUP BY session_id',
      );
      for (const row of rows.getRowObjectsJS())
        logged.set(String(row.session_id), (row.ids as unknown[]).map(String));
    } finally {
      connection.closeSync();
    }
  } catch (error) {
    return [
      result('log_records', `log:${path}`, `cannot read the embedded log: ${(error as Error).message}`),
    ];
  } finally {
    instance?.closeSync();
  }
  return seals.map((seal) => {
    const ids = [...(logged.get(seal.session_id) ?? [])].sort();
    const subject = sessionSubject(seal.session_id);
    const owner = { session_id: seal.session_id };
    if (ids.length === seal.observation_count && merkleRoot(ids) === seal.observations_root)
      return result('log_records', subject, null, `${ids.length} records, as sealed`, owner);
    const change =
      ids.length < seal.observation_count
        ? `${seal.observation_count - ids.length} were removed from the log since (a rebuild from it would lose them)`
        : ids.length > seal.observation_count
          ? `${ids.length - seal.observation_count} were added to the log since`
          : 'others were put in their place';
    return result(
      'log_records',
      subject,
      `the seal covers ${seal.observation_count} records; the embedded log holds ${ids.length}: ${change}`,
      '',
      owner,
    );
  });
}
