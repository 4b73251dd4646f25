// Loads bundle files into the tables: each file is read, put through the file checks, and whatever parsed
// is flattened into rows. An unreadable or malformed file becomes failed check rows, never an exception.
import { readFile } from 'node:fs/promises';

import { receiptDigest, type ActionProof, type Obligation, type SessionSeal } from '../schemas/bundle.js';
import type { CheckResult } from './checks/check.js';
import { verifyBundleFile, type VerifiedFile } from './checks/file-checks.js';
import type { TrustedKeys } from './checks/signature.js';
import type { AppendCell, Database } from './database.js';
import { fileSequence } from './discover.js';
import type { TableName } from './tables.js';

// expected_receipts is reference data written by createTables, not something a bundle contributes.
type Rows = Record<Exclude<TableName, 'expected_receipts'>, AppendCell[][]>;
type Loaded = NonNullable<VerifiedFile['loaded']>;

export async function loadBundles(db: Database, files: readonly string[], keys: TrustedKeys): Promise<void> {
  const rows: Rows = {
    bundles: [],
    receipts: [],
    slice_roots: [],
    slice_nodes: [],
    slice_edges: [],
    approvals: [],
    obligations: [],
    seals: [],
    seal_obligations: [],
    checks: [],
  };
  for (const file of files) {
    const verified = await readAndVerify(file, keys);
    rows.checks.push(...verified.results.map(checkRow));
    const loaded = verified.loaded;
    if (loaded?.statement.kind === 'action')
      addAction(rows, file, loaded, loaded.statement.statement.predicate);
    if (loaded?.statement.kind === 'seal') addSeal(rows, file, loaded, loaded.statement.statement.predicate);
  }
  for (const [table, tableRows] of Object.entries(rows)) await db.append(table, tableRows);
}

async function readAndVerify(file: string, keys: TrustedKeys): Promise<VerifiedFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const detail = `cannot read: ${(error as Error).message}`;
    const result: CheckResult = {
      subject: file,
      file,
      session_id: null,
      action_id: null,
      check_name: 'envelope_format',
      status: 'fail',
      code: 'envelope_format',
      detail,
    };
    return { results: [result] };
  }
  return verifyBundleFile(file, text, keys);
}

export function checkRow(r: CheckResult): AppendCell[] {
  return [r.subject, r.file, r.session_id, r.action_id, r.check_name, r.status, r.code, r.detail];
}

function addAction(rows: Rows, file: string, loaded: Loaded, proof: ActionProof): void {
  const { summary, evidence, verification, manifest } = proof;
  const owner = [file, summary.session_id, summary.action_id];
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
    summary.started_at,
    summary.ended_at,
    manifest.policy_digest,
    manifest.assembler_version,
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
    ]);
  });
  for (const root of evidence.slice.roots) rows.slice_roots.push([...owner, root]);
  for (const node of evidence.slice.nodes)
    rows.slice_nodes.push([...owner, node.id, node.kind, node.name, node.labels]);
  for (const edge of evidence.slice.edges) rows.slice_edges.push([...owner, edge.from, edge.to, edge.type]);
  for (const a of evidence.approvals) {
    rows.approvals.push([...owner, a.source, a.decision, a.approver, a.enforceability, a.observation]);
  }
  for (const o of evidence.obligations) rows.obligations.push([...owner, ...obligationCells(o)]);
}

function obligationCells(o: Obligation): AppendCell[] {
  return [
    o.id,
    o.rule_id,
    o.status,
    o.due_unix_nano,
    o.duty ?? null,
    o.created_by ?? null,
    o.discharged_by ?? null,
    o.discharged_unix_nano ?? null,
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
  ]);
  for (const o of seal.obligations ?? [])
    rows.seal_obligations.push([file, seal.session_id, ...obligationCells(o)]);
}
