// The action's backward slice and its flow labels, recomputed over the stored nodes and edges (ARCHITECTURE.md
// §6). An edge from → to means `to` depends on `from`; labels flow from a dependency to its dependents. Both
// are graph walks in linear time (each node and edge visited once per label), done here rather than as
// recursive SQL: a recursive CTE deduplicates against everything found so far at each step, so one forged
// bundle whose slice is a long chain would take quadratic time, and a verifier must not hang on hostile input.
import type { Database } from '../database.js';
import type { CheckName } from './check.js';
import { recordProblems, type TableCheck } from './table-check.js';

interface SliceGraph {
  file: string;
  session_id: string;
  action_id: string;
  nodes: { id: string; name: string; labels: string[] }[];
  edges: { from: string; to: string; type: string }[];
  roots: string[];
  cited: string[];
}

/** Every action bundle's slice, from one flat read of each table (lists of structs per bundle cost more to
 * hand to JavaScript than the walks cost). Bundles that share a `file` share its rows, as a join on it would. */
async function sliceGraphs(db: Database): Promise<SliceGraph[]> {
  type Parts = Pick<SliceGraph, 'nodes' | 'edges' | 'roots' | 'cited'>;
  const parts = new Map<string, Parts>();
  const of = (file: string): Parts => {
    let found = parts.get(file);
    if (!found) parts.set(file, (found = { nodes: [], edges: [], roots: [], cited: [] }));
    return found;
  };
  const bundles = await db.rows<Pick<SliceGraph, 'file' | 'session_id' | 'action_id'>>(
    'SELECT file, session_id, action_id FROM bundles ORDER BY file',
  );
  for (const n of await db.rows<{ file: string; id: string; name: string; labels: string[] }>(
    'SELECT file, node_id AS id, name, labels FROM slice_nodes',
  ))
    of(n.file).nodes.push({ id: n.id, name: n.name, labels: n.labels });
  for (const e of await db.rows<{ file: string; from: string; to: string; type: string }>(
    'SELECT file, from_id AS "from", to_id AS "to", edge_type AS type FROM slice_edges',
  ))
    of(e.file).edges.push({ from: e.from, to: e.to, type: e.type });
  for (const r of await db.rows<{ file: string; id: string }>('SELECT file, node_id AS id FROM slice_roots'))
    of(r.file).roots.push(r.id);
  for (const c of await db.rows<{ file: string; id: string }>(
    'SELECT DISTINCT file, unnest(observation_ids) AS id FROM receipts',
  ))
    of(c.file).cited.push(c.id);
  return bundles.map((b) => ({ ...b, ...of(b.file) }));
}

/** `to` → what it depends on, or `from` → what depends on it. */
function adjacency(edges: SliceGraph['edges'], key: 'from' | 'to'): Map<string, string[]> {
  const other = key === 'from' ? 'to' : 'from';
  const map = new Map<string, string[]>();
  for (const edge of edges) {
    const list = map.get(edge[key]);
    if (list) list.push(edge[other]);
    else map.set(edge[key], [edge[other]]);
  }
  return map;
}

/**
 * backward_slice: walking edges backwards from the action's own observations (the slice's roots, which must
 * include everything its receipts cite) reaches every node the bundle lists, and no edge leaves the listed
 * nodes. A node nothing of the action depends on, or a dependency cut off, means the slice is not what the
 * graph says.
 */
function backwardSlice({ nodes, edges, roots, cited }: SliceGraph): string[] {
  const problems: string[] = [];
  const listed = new Set(nodes.map((n) => n.id));
  const rootSet = new Set(roots);
  const anchors = [...listed].filter((id) => rootSet.has(id));
  if (nodes.length > 0 && anchors.length === 0) problems.push('no root of the slice is one of its nodes');
  if (anchors.length > 0) {
    const dependencies = adjacency(edges, 'to');
    const reached = new Set(anchors);
    const queue = [...anchors];
    while (queue.length > 0)
      for (const from of dependencies.get(queue.pop()!) ?? [])
        if (!reached.has(from)) {
          reached.add(from);
          queue.push(from);
        }
    for (const { id, name } of nodes)
      if (!reached.has(id)) problems.push(`node ${id} (${name}) is not something the action depends on`);
  }
  for (const id of cited)
    if (!rootSet.has(id))
      problems.push(`receipts cite ${id}, which is not one of the action's own observations (slice roots)`);
  for (const { from, to, type } of edges)
    if (!listed.has(from) || !listed.has(to))
      problems.push(`edge ${from} → ${to} (${type}) has an end outside the slice`);
  return problems;
}

/** flow_labels: every node carries every label of everything it transitively depends on. */
function flowLabels({ nodes, edges }: SliceGraph): string[] {
  const own = new Map<string, Set<string>>();
  const names = new Map<string, string>();
  for (const { id, name, labels } of nodes) {
    own.set(id, new Set([...(own.get(id) ?? []), ...labels]));
    names.set(id, name);
  }
  const dependents = adjacency(edges, 'from');
  // Each (node, label) is queued once: the walk is linear in nodes and edges for each label.
  const carried = new Map<string, Set<string>>();
  const queue: [string, string][] = [];
  for (const [id, labels] of own) for (const label of labels) queue.push([id, label]);
  while (queue.length > 0) {
    const [id, label] = queue.pop()!;
    for (const next of dependents.get(id) ?? []) {
      const has = carried.get(next) ?? new Set<string>();
      if (has.has(label)) continue;
      has.add(label);
      carried.set(next, has);
      queue.push([next, label]);
    }
  }
  const problems: string[] = [];
  for (const [id, labels] of carried) {
    if (!names.has(id)) continue;
    const lacking = [...labels].filter((label) => !own.get(id)!.has(label)).sort();
    if (lacking.length > 0)
      problems.push(`node ${id} (${names.get(id)}) lacks ${lacking.join(', ')} from what it depends on`);
  }
  return problems;
}

const SLICE_CHECKS: Record<'backward_slice' | 'flow_labels', (graph: SliceGraph) => string[]> = {
  backward_slice: backwardSlice,
  flow_labels: flowLabels,
};

/** backward_slice and flow_labels, over one read of the slice tables. */
export const sliceChecks: TableCheck = {
  async record(db) {
    const graphs = await sliceGraphs(db);
    for (const [name, problemsOf] of Object.entries(SLICE_CHECKS))
      await recordProblems(
        db,
        name as CheckName,
        graphs.map((graph) => ({
          subject: graph.file,
          file: graph.file,
          session_id: graph.session_id,
          action_id: graph.action_id,
          problems: problemsOf(graph).sort(),
        })),
      );
  },
};
