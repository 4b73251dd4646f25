// What the audit formats (`report --format html|ocsf`) show, read from the loaded and verified tables: the
// verification state, completeness per family and session, every action (the `actions` built-in report), the
// approvals behind each and each action's dependency slice.
import type { CompletenessReport } from './completeness.js';
import { completenessReport } from './completeness.js';
import type { Database } from './database.js';

/** A row of reports/actions.sql. */
export interface ActionRow {
  started_at: string | null;
  ended_at: string | null;
  session_id: string;
  turn_id: string | null;
  action_id: string;
  sequence: number;
  runtime_family: string;
  tool_name: string | null;
  route: string | null;
  enforceability: string | null;
  outcome: string;
  rule: string | null;
  reason: string | null;
  approval: string | null;
  approvers: string[];
  receipts: string[];
  missing: string[];
  rho: number;
  receipts_rho: number;
  verified: boolean;
  policy_digest: string | null;
  bundle_digest: string;
  file: string;
}

export interface ApprovalRow {
  file: string;
  source: string;
  decision: string;
  approver: string | null;
  enforceability: string;
}

export interface FailedCheck {
  subject: string;
  check_name: string;
  code: string | null;
  detail: string;
}

export interface SliceGraph {
  roots: string[];
  nodes: { id: string; kind: string; name: string; labels: string[] }[];
  edges: { from: string; to: string; type: string }[];
}

export interface SessionInfo {
  session_id: string;
  runtime_family: string;
  sealed: string | null;
  actions: ActionRow[];
}

export interface AuditData {
  failedChecks: number;
  failures: FailedCheck[];
  completeness: CompletenessReport;
  sessions: SessionInfo[];
  slices: Map<string, SliceGraph>;
  approvals: Map<string, ApprovalRow[]>;
  assemblerVersions: Map<string, string>;
}

/** Failures listed in full up to this many; the count is always whole. */
export const MAX_FAILURES_LISTED = 500;

export async function actionRows(db: Database, sql: string): Promise<ActionRow[]> {
  return db.rows<ActionRow>(sql);
}

export async function approvalsByFile(db: Database): Promise<Map<string, ApprovalRow[]>> {
  const rows = await db.rows<ApprovalRow>(
    'SELECT file, source, decision, approver, enforceability FROM approvals ORDER BY file, source',
  );
  return groupBy(rows, (r) => r.file);
}

export async function assemblerVersions(db: Database): Promise<Map<string, string>> {
  const rows = await db.rows<{ file: string; assembler_version: string }>(
    'SELECT file, assembler_version FROM bundles',
  );
  return new Map(rows.map((r) => [r.file, r.assembler_version]));
}

export async function auditData(db: Database, actionsSql: string): Promise<AuditData> {
  const actions = await actionRows(db, actionsSql);
  const [{ failed }] = (await db.rows<{ failed: number }>(
    `SELECT count(*)::INTEGER AS failed FROM checks WHERE status = 'fail'`,
  )) as [{ failed: number }];
  const failures = await db.rows<FailedCheck>(
    `SELECT subject, check_name, code, detail FROM checks WHERE status = 'fail'
     ORDER BY session_id NULLS FIRST, subject, check_name LIMIT ${MAX_FAILURES_LISTED}`,
  );
  const seals = await db.rows<{ session_id: string; sealed: string }>(
    `SELECT session_id, string_agg(DISTINCT reason, ', ') AS sealed FROM seals GROUP BY session_id`,
  );
  const sealedBy = new Map(seals.map((s) => [s.session_id, s.sealed]));
  const bySession = groupBy(actions, (a) => a.session_id);
  const sessions = [...bySession]
    .map(([session_id, rows]) => ({
      session_id,
      runtime_family: rows[0]!.runtime_family,
      sealed: sealedBy.get(session_id) ?? null,
      actions: [...rows].sort((a, b) => a.sequence - b.sequence),
    }))
    .sort((a, b) => firstTime(a).localeCompare(firstTime(b)) || a.session_id.localeCompare(b.session_id));
  return {
    failedChecks: failed,
    failures,
    completeness: await completenessReport(db),
    sessions,
    slices: await slices(db),
    approvals: await approvalsByFile(db),
    assemblerVersions: await assemblerVersions(db),
  };
}

function firstTime(session: SessionInfo): string {
  return session.actions.find((a) => a.started_at !== null)?.started_at ?? '\uffff';
}

async function slices(db: Database): Promise<Map<string, SliceGraph>> {
  const graphs = new Map<string, SliceGraph>();
  const graph = (file: string): SliceGraph => {
    let g = graphs.get(file);
    if (!g) graphs.set(file, (g = { roots: [], nodes: [], edges: [] }));
    return g;
  };
  for (const r of await db.rows<{ file: string; node_id: string }>('SELECT file, node_id FROM slice_roots'))
    graph(r.file).roots.push(r.node_id);
  for (const n of await db.rows<{
    file: string;
    node_id: string;
    kind: string;
    name: string;
    labels: string[];
  }>('SELECT file, node_id, kind, name, labels FROM slice_nodes'))
    graph(n.file).nodes.push({ id: n.node_id, kind: n.kind, name: n.name, labels: n.labels });
  for (const e of await db.rows<{ file: string; from_id: string; to_id: string; edge_type: string }>(
    'SELECT file, from_id, to_id, edge_type FROM slice_edges',
  ))
    graph(e.file).edges.push({ from: e.from_id, to: e.to_id, type: e.edge_type });
  return graphs;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
