// The action's backward slice and its flow labels, recomputed over the stored nodes and edges (ARCHITECTURE.md
// §6). An edge from → to means `to` depends on `from`; labels flow from a dependency to its dependents. Both
// are graph walks in linear time (each node and edge visited once per label), done here rather than as
// recursive SQL: a recursive CTE deduplicates against everything found so far at each step, so one forged
// bundle whose slice is a long chain would take quadratic time, and a verifier must not hang on hostile input.
import type { Database } from '../database.js';
import type { SubjectProblems, TableCheck } from './table-check.js';

interface SliceGraph {
  file: string;
  session_id: string;
  action_id: string;
  nodes: { id: string; name: string; labels: string[] }[];
  edges: { from: string; to: string; type: string }[];
  roots: string[];
  cited: string[];
}

async function sliceGraphs(db: Database): Promise<SliceGraph[]> {
  return db.rows<SliceGraph>(`
    SELECT b.file, b.session_id, b.action_id,
           coalesce((SELECT list({'id': n.node_id, 'name': n.name, 'labels': n.labels}) FROM slice_nodes n WHERE n.file = b.file), []) AS nodes,
           coalesce((SELECT list({'from': e.from_id, 'to': e.to_id, 'type': e.edge_type}) FROM slice_edges e WHERE e.file = b.file), []) AS edges,
           coalesce((SELECT list(r.node_id) FROM slice_roots r WHERE r.file = b.file), []) AS roots,
           coalesce((SELECT list(DISTINCT c.id) FROM (SELECT unnest(observation_ids) AS id FROM receipts x WHERE x.file = b.file) c), []) AS cited
    FROM bundles b ORDER BY b.file`);
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

function perBundle(name: TableCheck['name'], problemsOf: (graph: SliceGraph) => string[]): TableCheck {
  return {
    name,
    async evaluate(db) {
      return (await sliceGraphs(db)).map((graph): SubjectProblems => ({
        subject: graph.file,
        file: graph.file,
        session_id: graph.session_id,
        action_id: graph.action_id,
        problems: problemsOf(graph).sort(),
      }));
    },
  };
}

/**
 * backward_slice: walking edges backwards from the action's own observations (the slice's roots, which must
 * include everything its receipts cite) reaches every node the bundle lists, and no edge leaves the listed
 * nodes. A node nothing of the action depends on, or a dependency cut off, means the slice is not what the
 * graph says.
 */
export const backwardSlice = perBundle('backward_slice', ({ nodes, edges, roots, cited }) => {
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
});

/** flow_labels: every node carries every label of everything it transitively depends on. */
export const flowLabels = perBundle('flow_labels', ({ nodes, edges }) => {
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
});
