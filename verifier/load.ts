// Loads bundles into the tables: each segment record or bundle file is read (never more than MAX_RECORD_BYTES
// of it), put through the file checks, and whatever parsed is flattened into rows. An unreadable or malformed
// record becomes failed check rows, never an exception. `file` in every table is the record's location:
// `<segment file>:<line>`, or the bundle file's path.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

import {
  actionBundleFileName,
  receiptDigest,
  SEAL_FILE_NAME,
  storageName,
  type ActionProof,
  type Obligation,
  type SessionSeal,
} from '../schemas/bundle.js';
import { MAX_RECORD_BYTES, readSegment, type SegmentEntry } from '../schemas/segment.js';
import { toCheckResult, type CheckResult } from './checks/check.js';
import { SLICE_CHECKS, sliceGraph } from './checks/slice-checks.js';
import { verifyBundleFile, type VerifiedFile } from './checks/file-checks.js';
import type { TrustedKeys } from './checks/signature.js';
import { nanosTimestamp, rfc3339Timestamp, type AppendCell, type Database } from './database.js';
import { fileSequence, type Source } from './discover.js';
import type { TableName } from './tables.js';

// expected_receipts is reference data written by createTables and window_excluded the report's window
// (window.ts), not something a bundle contributes.
type Rows = Record<Exclude<TableName, 'expected_receipts' | 'window_excluded'>, AppendCell[][]>;
type Loaded = NonNullable<VerifiedFile['loaded']>;

/** Marks an origin that is a bundle file: never merged with another. */
const FILE_ORIGIN = 'file:';

/** Records of one segment that are not readable bundles, reported one by one before the rest is skipped. */
const MAX_UNPARSED_PER_SEGMENT = 1000;
/** Records of a segment being verified at once: enough to keep the thread pool's signature checks busy. */
const IN_FLIGHT = 64;

export async function loadBundles(
  db: Database,
  sources: readonly Source[],
  keys: TrustedKeys,
): Promise<void> {
  const rows: Rows = {
    bundles: [],
    receipts: [],
    slice_roots: [],
    slice_nodes: [],
    slice_edges: [],
    slice_frontier: [],
    approvals: [],
    obligations: [],
    seals: [],
    seal_obligations: [],
    checks: [],
  };
  // Signed records loaded so far, by digest → where from (a segment's data directory, or the file). The same
  // record in two data directories is one bundle: a session handed over between assemblers, whose next owner
  // wrote the records the first had handed over (it may have been killed before writing them, or just after).
  // Twice in one directory, or in files, it is loaded twice and the session checks report the duplicate.
  const loadedFrom = new Map<string, string>();
  const load = (location: string, verified: VerifiedFile, origin: string): void => {
    rows.checks.push(...verified.results.map(checkRow));
    const loaded = verified.loaded;
    if (loaded?.signatureOk) {
      const first = loadedFrom.get(loaded.digest);
      const twoDirectories = [first, origin].every((o) => o !== undefined && !o.startsWith(FILE_ORIGIN));
      if (twoDirectories && first !== origin) return;
      loadedFrom.set(loaded.digest, origin);
    }
    if (loaded?.statement.kind === 'action')
      addAction(rows, location, loaded, loaded.statement.statement.predicate);
    if (loaded?.statement.kind === 'seal')
      addSeal(rows, location, loaded, loaded.statement.statement.predicate);
  };
  for (const source of sources) {
    if (source.kind === 'segment') {
      const dataDir = dirname(dirname(source.path));
      let unparsed = 0;
      /** Loads one record; false once the segment has shown too many that are not bundles. */
      const loadNext = ([location, verified]: [string, VerifiedFile]): boolean => {
        if (!verified.loaded && ++unparsed > MAX_UNPARSED_PER_SEGMENT) {
          // A segment of millions of garbage lines must not make millions of rows: one says the rest.
          load(
            location,
            unreadable(
              location,
              `more than ${MAX_UNPARSED_PER_SEGMENT} records that are not bundles: the rest of ${source.path} was not read`,
            ),
            dataDir,
          );
          return false;
        }
        load(location, verified, dataDir);
        return true;
      };
      // Records are loaded in the segment's order; up to IN_FLIGHT of them are being verified meanwhile, so
      // their signatures are checked in the thread pool while the next ones are parsed (signature.ts).
      const pending: Promise<[string, VerifiedFile]>[] = [];
      let more = true;
      for await (const entry of readSegment(source.path, source.segment)) {
        const location = `${source.path}:${entry.line}`;
        pending.push(verifyEntry(location, entry, keys).then((verified) => [location, verified]));
        if (pending.length > IN_FLIGHT && !(more = loadNext(await pending.shift()!))) break;
      }
      while (more && pending.length > 0) more = loadNext(await pending.shift()!);
      continue;
    }
    const verified = await readAndVerify(source.path, keys);
    load(source.path, verified, `${FILE_ORIGIN}${source.path}`);
    if (source.placed && verified.loaded) rows.checks.push(checkRow(placement(source.path, verified)));
  }
  for (const [table, tableRows] of Object.entries(rows)) await db.append(table, tableRows);
}

async function verifyEntry(location: string, entry: SegmentEntry, keys: TrustedKeys): Promise<VerifiedFile> {
  if (entry.kind === 'record') return verifyBundleFile(location, entry.text, keys);
  return unreadable(
    location,
    entry.kind === 'torn'
      ? `the last record is cut short (${entry.bytes} bytes, no newline): a write a crash interrupted, or a truncation`
      : `a record of ${entry.bytes} bytes, over the ${MAX_RECORD_BYTES}-byte limit`,
  );
}

async function readAndVerify(file: string, keys: TrustedKeys): Promise<VerifiedFile> {
  let text: string;
  try {
    const { size } = await stat(file);
    if (size > MAX_RECORD_BYTES)
      return unreadable(file, `a file of ${size} bytes, over the ${MAX_RECORD_BYTES}-byte limit`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    return unreadable(file, `cannot read: ${(error as Error).message}`);
  }
  return verifyBundleFile(file, text, keys);
}

function unreadable(location: string, detail: string): VerifiedFile {
  const result: CheckResult = {
    subject: location,
    file: location,
    session_id: null,
    action_id: null,
    check_name: 'envelope_format',
    status: 'fail',
    code: 'envelope_format',
    detail,
  };
  return { results: [result] };
}

/** An exported file must sit in its own session's folder under its own name (schemas/bundle.ts): a genuine
 * bundle moved into another session's folder, or renamed, tells a reader browsing the files a false story. */
function placement(file: string, verified: VerifiedFile): CheckResult {
  const { statement } = verified.loaded!;
  const [sessionId, actionId, expectedName] =
    statement.kind === 'action'
      ? [
          statement.statement.predicate.summary.session_id,
          statement.statement.predicate.summary.action_id,
          actionBundleFileName(
            statement.statement.predicate.manifest.sequence,
            statement.statement.predicate.summary.action_id,
          ),
        ]
      : [statement.statement.predicate.session_id, null, SEAL_FILE_NAME];
  const folder = basename(dirname(file));
  const problems = [
    ...(folder === storageName(sessionId)
      ? []
      : [
          `in folder ${folder}, but it belongs to session ${JSON.stringify(sessionId)} (folder ${storageName(sessionId)})`,
        ]),
    ...(basename(file) === expectedName
      ? []
      : [`named ${basename(file)}, but its content says ${expectedName}`]),
  ];
  return {
    subject: file,
    file,
    session_id: sessionId,
    action_id: actionId,
    check_name: 'location',
    status: problems.length === 0 ? 'pass' : 'fail',
    code: problems.length === 0 ? null : 'location',
    detail: problems.join('; '),
  };
}

export function checkRow(r: CheckResult): AppendCell[] {
  return [r.subject, r.file, r.session_id, r.action_id, r.check_name, r.status, r.code, r.detail];
}

function addAction(rows: Rows, file: string, loaded: Loaded, proof: ActionProof): void {
  const { summary, evidence, verification, manifest } = proof;
  const owner = [file, summary.session_id, summary.action_id];
  const record = rows.bundles.length + 1;
  rows.bundles.push([
    ...owner,
    summary.turn_id,
    manifest.sequence,
    fileSequence(file),
    loaded.digest,
    manifest.previous_bundle,
    loaded.keyid,
    loaded.signatureOk,
    manifest.signer_keyid,
    summary.runtime_family,
    summary.tool_name,
    summary.input_digest,
    summary.route,
    summary.enforceability,
    summary.outcome,
    summary.completeness.rho,
    summary.completeness.expected,
    summary.completeness.observed,
    verification.completeness_verdict,
    rfc3339Timestamp(summary.started_at),
    rfc3339Timestamp(summary.ended_at),
    manifest.policy_digest,
    manifest.assembler_version,
    record,
  ]);
  evidence.receipts.forEach((receipt, position) => {
    const { digest } = receipt;
    rows.receipts.push([
      ...owner,
      receipt.checkpoint,
      receipt.index,
      position,
      receipt.status,
      receipt.observations.map((o) => o.id),
      JSON.stringify(receipt.facts),
      receipt.previous,
      digest,
      receiptDigest(receipt),
      record,
    ]);
  });
  for (const root of evidence.slice.roots) rows.slice_roots.push([...owner, root]);
  for (const node of evidence.slice.nodes)
    rows.slice_nodes.push([...owner, node.id, node.kind, node.name, node.labels]);
  for (const edge of evidence.slice.edges) rows.slice_edges.push([...owner, edge.from, edge.to, edge.type]);
  for (const id of evidence.slice.frontier ?? []) rows.slice_frontier.push([...owner, id]);
  for (const a of evidence.approvals) {
    rows.approvals.push([...owner, a.source, a.decision, a.approver, a.enforceability, a.observation]);
  }
  for (const o of evidence.obligations) rows.obligations.push([...owner, ...obligationCells(o)]);
  const graph = sliceGraph(evidence);
  for (const [name, problemsOf] of Object.entries(SLICE_CHECKS)) {
    const subject = { file, session_id: summary.session_id, action_id: summary.action_id };
    const problems = problemsOf(graph);
    rows.checks.push(
      checkRow(toCheckResult(name as keyof typeof SLICE_CHECKS, { subject: file, ...subject, problems })),
    );
  }
}

function obligationCells(o: Obligation): AppendCell[] {
  return [
    o.id,
    o.rule_id,
    o.status,
    nanosTimestamp(o.due_unix_nano),
    o.duty ?? null,
    o.created_by ?? null,
    o.discharged_by ?? null,
    nanosTimestamp(o.discharged_unix_nano),
    o.waived_by ?? null,
  ];
}

function addSeal(rows: Rows, file: string, loaded: Loaded, seal: SessionSeal): void {
  rows.seals.push([
    file,
    seal.session_id,
    loaded.digest,
    loaded.keyid,
    loaded.signatureOk,
    seal.runtime_family,
    seal.count,
    seal.merkle_root,
    seal.last_bundle,
    seal.observations.count,
    seal.observations.merkle_root,
    seal.reason,
    seal.assembler_version,
    seal.late_records ?? 0,
    seal.quarantine?.reason ?? null,
  ]);
  for (const o of seal.obligations ?? [])
    rows.seal_obligations.push([file, seal.session_id, ...obligationCells(o)]);
}
