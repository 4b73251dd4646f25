// The action's backward slice and its flow labels, recomputed over its nodes and edges as each bundle is loaded
// (ARCHITECTURE.md §6). An edge from → to means `to` depends on `from`; labels flow from a dependency to its dependents. Both
// are graph walks in linear time (each node and edge visited once per label), done here rather than as
// recursive SQL: a recursive CTE deduplicates against everything found so far at each step, so one forged
// bundle whose slice is a long chain would take quadratic time, and a verifier must not hang on hostile input.
import type { ActionProof } from '../../schemas/bundle.js';
import type { CheckName } from './check.js';

export interface SliceGraph {
  nodes: { id: string; name: string; labels: string[] }[];
  edges: { from: string; to: string; type: string }[];
  roots: string[];
  /** Nodes whose dependencies an earlier bundle of the session lists instead (empty for a whole slice). */
  frontier: string[];
  /** The observations the action's receipts cite. */
  cited: string[];
}

/** An action bundle's slice as its evidence states it: the rows the slice tables get, read before they are
 * appended rather than read back (handing them back to JavaScript cost more than the walks do). */
export function sliceGraph({ slice, receipts }: ActionProof['evidence']): SliceGraph {
  const cited = new Set(receipts.flatMap((receipt) => receipt.observations.map((o) => o.id)));
  return {
    nodes: slice.nodes,
    edges: slice.edges,
    roots: slice.roots,
    frontier: slice.frontier ?? [],
    cited: [...cited],
  };
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
 * graph says. Frontier nodes (listed, their own dependencies left to an earlier bundle: session_chain checks
 * one lists them) must be listed nodes, and not the action's own.
 */
function backwardSlice({ nodes, edges, roots, frontier, cited }: SliceGraph): string[] {
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
  for (const id of frontier) {
    if (!listed.has(id)) problems.push(`frontier ${id} is not one of the slice's nodes`);
    else if (rootSet.has(id)) problems.push(`frontier ${id} is one of the action's own observations`);
  }
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

/** backward_slice and flow_labels: each one's problems with a slice, sorted. */
export const SLICE_CHECKS: Record<
  Extract<CheckName, 'backward_slice' | 'flow_labels'>,
  (graph: SliceGraph) => string[]
> = {
  backward_slice: (graph) => backwardSlice(graph).sort(),
  flow_labels: (graph) => flowLabels(graph).sort(),
};
