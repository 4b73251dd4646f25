// An action's dependency slice as inline SVG, laid out here (no library, nothing fetched at view time): layered
// by dependency, top to bottom — a node sits one layer below the lowest of the nodes it depends on (longest
// path from a source), so every edge points down; nodes a cycle holds (a forged slice) share one last layer.
// Within a layer nodes are ordered by the mean position of their predecessors, so edges cross less. A slice
// larger than MAX_NODES is drawn from the action's own nodes outwards (nearest dependencies first) and says how
// much was left out. Every string goes through escapeXml; class names are chosen from fixed lists.
import { EDGE_TYPES } from '../../schemas/bundle.js';
import { OBSERVATION_KINDS } from '../../schemas/observation.js';
import type { SliceGraph } from '../audit-data.js';
import { escapeXml } from './markup.js';

export const MAX_NODES = 40;

const NODE_W = 168;
const NODE_H = 36;
const GAP_X = 16;
const GAP_Y = 34;
const PAD = 8;
const NAME_CHARS = 24;

export interface LaidOutNode {
  id: string;
  kind: string;
  name: string;
  labels: string[];
  root: boolean;
  layer: number;
  x: number;
  y: number;
}

export interface Layout {
  nodes: LaidOutNode[];
  edges: { from: LaidOutNode; to: LaidOutNode; type: string }[];
  width: number;
  height: number;
  /** Nodes of the slice not drawn (over MAX_NODES). */
  omitted: number;
}

/** The nodes drawn: all of them, or the roots and then their dependencies breadth first, up to `max`. */
function chosen(graph: SliceGraph, max: number): Set<string> {
  const ids = new Set(graph.nodes.map((n) => n.id));
  if (ids.size <= max) return ids;
  const predecessors = new Map<string, string[]>();
  for (const e of graph.edges) predecessors.set(e.to, [...(predecessors.get(e.to) ?? []), e.from]);
  const picked = new Set<string>();
  const queue = graph.roots.filter((r) => ids.has(r));
  while (queue.length > 0 && picked.size < max) {
    const id = queue.shift()!;
    if (picked.has(id)) continue;
    picked.add(id);
    for (const p of predecessors.get(id) ?? []) if (ids.has(p) && !picked.has(p)) queue.push(p);
  }
  return picked;
}

export function layoutSlice(graph: SliceGraph, max = MAX_NODES): Layout {
  const keep = chosen(graph, max);
  const roots = new Set(graph.roots);
  const byId = new Map(graph.nodes.filter((n) => keep.has(n.id)).map((n) => [n.id, n]));
  const edges = graph.edges.filter((e) => byId.has(e.from) && byId.has(e.to) && e.from !== e.to);
  const incoming = new Map<string, number>([...byId.keys()].map((id) => [id, 0]));
  const successors = new Map<string, string[]>();
  const predecessors = new Map<string, string[]>();
  for (const e of edges) {
    incoming.set(e.to, incoming.get(e.to)! + 1);
    successors.set(e.from, [...(successors.get(e.from) ?? []), e.to]);
    predecessors.set(e.to, [...(predecessors.get(e.to) ?? []), e.from]);
  }
  // Kahn's algorithm: a node's layer is one below its deepest predecessor.
  const layer = new Map<string, number>();
  const ready = [...byId.keys()].filter((id) => incoming.get(id) === 0);
  for (const id of ready) layer.set(id, 0);
  while (ready.length > 0) {
    const id = ready.shift()!;
    for (const next of successors.get(id) ?? []) {
      layer.set(next, Math.max(layer.get(next) ?? 0, layer.get(id)! + 1));
      incoming.set(next, incoming.get(next)! - 1);
      if (incoming.get(next) === 0) ready.push(next);
    }
  }
  const deepest = Math.max(-1, ...layer.values());
  for (const id of byId.keys()) if (incoming.get(id)! > 0) layer.set(id, deepest + 1);

  const layers: string[][] = [];
  for (const [id, l] of layer) (layers[l] ??= []).push(id);
  const position = new Map<string, number>();
  for (const ids of layers.filter((l) => l !== undefined)) {
    const weight = (id: string): number => {
      const placed = (predecessors.get(id) ?? []).filter((p) => position.has(p));
      return placed.length === 0
        ? Number.MAX_SAFE_INTEGER
        : placed.reduce((sum, p) => sum + position.get(p)!, 0) / placed.length;
    };
    ids.sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));
    ids.forEach((id, i) => position.set(id, i));
  }
  const widest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
  const nodes = new Map<string, LaidOutNode>();
  layers.forEach((ids, l) =>
    ids.forEach((id, i) => {
      const n = byId.get(id)!;
      // Each layer is centred under the widest one.
      const offset = ((widest - ids.length) * (NODE_W + GAP_X)) / 2;
      nodes.set(id, {
        ...n,
        root: roots.has(id),
        layer: l,
        x: PAD + offset + i * (NODE_W + GAP_X),
        y: PAD + l * (NODE_H + GAP_Y),
      });
    }),
  );
  return {
    nodes: [...nodes.values()],
    edges: edges.map((e) => ({ from: nodes.get(e.from)!, to: nodes.get(e.to)!, type: e.type })),
    width: 2 * PAD + widest * (NODE_W + GAP_X) - GAP_X,
    height: 2 * PAD + layers.length * (NODE_H + GAP_Y) - GAP_Y,
    omitted: graph.nodes.length - byId.size,
  };
}

/** The arrow head every slice's edges use, defined once per page (ids are shared across inline SVGs). */
export const SLICE_DEFS =
  '<svg class="defs" width="0" height="0" aria-hidden="true"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z"/></marker></defs></svg>';

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** A value used as part of a class name: one of the known tokens, or `other`. */
function token(value: string, known: readonly string[]): string {
  return known.includes(value) ? value : 'other';
}

export function renderSliceSvg(graph: SliceGraph, label: string): string {
  const layout = layoutSlice(graph);
  const edges = layout.edges.map(({ from, to, type }) => {
    const x1 = from.x + NODE_W / 2;
    const y1 = from.y + NODE_H;
    const x2 = to.x + NODE_W / 2;
    const y2 = to.y;
    const bend = Math.max(GAP_Y / 2, Math.abs(y2 - y1) / 2);
    return `<path class="edge ${token(type, EDGE_TYPES)}" d="M${x1} ${y1} C${x1} ${y1 + bend} ${x2} ${y2 - bend} ${x2} ${y2}" marker-end="url(#arrow)"/>`;
  });
  const nodes = layout.nodes.map((n) => {
    const classes = [
      'node',
      `kind-${token(n.kind, OBSERVATION_KINDS)}`,
      n.root ? 'root' : '',
      n.labels.length > 0 ? 'labelled' : '',
    ]
      .filter(Boolean)
      .join(' ');
    const title = [
      `${n.kind}: ${n.name}`,
      ...(n.labels.length > 0 ? [`labels: ${n.labels.join(', ')}`] : []),
      `id ${n.id}`,
    ].join('\n');
    const second = n.labels.length > 0 ? `⚑ ${n.labels.join(', ')}` : n.kind;
    return [
      `<g class="${classes}"><title>${escapeXml(title)}</title>`,
      `<rect x="${n.x}" y="${n.y}" width="${NODE_W}" height="${NODE_H}" rx="5"/>`,
      `<text x="${n.x + 6}" y="${n.y + 15}">${escapeXml(truncate(n.name, NAME_CHARS))}</text>`,
      `<text class="sub" x="${n.x + 6}" y="${n.y + 29}">${escapeXml(truncate(second, NAME_CHARS + 4))}</text></g>`,
    ].join('');
  });
  return [
    `<svg class="slice" role="img" aria-label="${escapeXml(label)}" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" xmlns="http://www.w3.org/2000/svg">`,
    ...edges,
    ...nodes,
    '</svg>',
    ...(layout.omitted > 0
      ? [
          `<p class="note">${layout.omitted} more node(s) of this slice are not drawn (the ${MAX_NODES} nearest to the action are).</p>`,
        ]
      : []),
  ].join('');
}
