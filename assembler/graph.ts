// A session's dependency graph (ARCHITECTURE.md §6). Nodes are observations; an edge `from → to` means `to` depends
// on `from`. Edge kinds:
// - causal: the conversation's flow. A model request depends on everything in the model's context so far
//   (prompts, the previous request, the latest record of each tool call since); a tool call's first record
//   depends on the model request that proposed it; a turn end depends on that context too.
// - same_action: the records of one tool call, chained in timeline order.
// - parent_child: span → child span, and span → the events and log records carrying its span id.
// - depends_on: explicit links (observation ids or `span:<trace>/<span>` refs).
// Labels flow along edges from a dependency to its dependents, so an action's labels are a lookup.
import type { GraphEdge, GraphNode } from '../schemas/bundle.js';
import type { Observation } from '../schemas/observation.js';
import { ownLabels, type FlowLabel } from './labels.js';
import { buildTimeline, type Timeline } from './timeline.js';

export interface Slice {
  /** The seeds the slice was taken from, in timeline order. */
  roots: string[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Nodes whose own dependencies an earlier bundle of the session lists, and so are not repeated here; absent
   * when there are none. */
  frontier?: string[];
}

/** A node's labels as one comparable text. */
export function labelKey(labels: readonly string[]): string {
  return [...labels].sort().join('\n');
}

export class SessionGraph {
  readonly timeline: Timeline;
  readonly edges: readonly GraphEdge[];
  private readonly byId = new Map<string, Observation>();
  private readonly position = new Map<string, number>();
  private readonly incoming = new Map<string, GraphEdge[]>();
  /** Each edge's place in `edges`, the order slices list them in. */
  private readonly edgeOrder = new Map<GraphEdge, number>();
  private readonly labels = new Map<string, FlowLabel[]>();
  /** `<trace>/<span>` → the observation that is that span (not one of its events or logs). */
  private readonly spanOwner = new Map<string, string>();
  /** `<trace>/<span>` → the record of that span's end (a GenAI tool call's result), where it has one. */
  private readonly spanEnd = new Map<string, string>();

  constructor(observations: readonly Observation[], actionOf: ReadonlyMap<string, string>) {
    this.timeline = buildTimeline(observations, actionOf);
    this.timeline.ordered.forEach((obs, index) => {
      this.byId.set(obs.id, obs);
      this.position.set(obs.id, index);
      if (obs.span_id !== undefined && obs.name.startsWith('span:')) {
        const key = spanKey(obs.trace_id, obs.span_id);
        if (!this.spanOwner.has(key)) this.spanOwner.set(key, obs.id);
      }
      if (obs.span_id !== undefined && obs.name.startsWith('span_end:'))
        this.spanEnd.set(spanKey(obs.trace_id, obs.span_id), obs.id);
    });
    const edges = new EdgeSet();
    this.addCausalEdges(edges, actionOf);
    this.addSpanEdges(edges);
    this.addExplicitEdges(edges);
    this.edges = edges.sorted();
    this.edges.forEach((edge, index) => this.edgeOrder.set(edge, index));
    for (const edge of this.edges) {
      const list = this.incoming.get(edge.to);
      if (list) list.push(edge);
      else this.incoming.set(edge.to, [edge]);
    }
    this.propagateLabels();
  }

  labelsOf(id: string): readonly FlowLabel[] {
    return this.labels.get(id) ?? [];
  }

  /**
   * Everything the seeds transitively depend on, seeds included, nodes in timeline order; but not behind a node
   * an earlier bundle of the session already lists with the same labels (`listed`: id → labelKey). Such a node
   * is kept, as the slice's frontier, and what it depends on is left to that bundle: in a conversation nearly
   * everything before an action is in its slice, so whole slices made a session's bundles grow with the square
   * of its length.
   */
  backwardSlice(seeds: Iterable<string>, listed: ReadonlyMap<string, string> = new Map()): Slice {
    const reached = new Set<string>();
    const frontier = new Set<string>();
    const roots = [...new Set(seeds)].filter((id) => this.byId.has(id));
    const rootSet = new Set(roots);
    const pending = [...roots];
    while (pending.length > 0) {
      const id = pending.pop()!;
      if (reached.has(id)) continue;
      reached.add(id);
      if (!rootSet.has(id) && listed.get(id) === labelKey(this.labelsOf(id))) {
        frontier.add(id);
        continue;
      }
      for (const edge of this.incoming.get(id) ?? []) pending.push(edge.from);
    }
    const nodes = [...reached]
      .sort((a, b) => this.position.get(a)! - this.position.get(b)!)
      .map((id) => {
        const obs = this.byId.get(id)!;
        return { id, kind: obs.kind, name: obs.name, labels: [...this.labelsOf(id)] };
      });
    // Every edge into a node the walk went behind comes from a reached one (it followed them all): those are the
    // slice's edges, found without scanning the session's edges once per action.
    const edges = [...reached]
      .filter((id) => !frontier.has(id))
      .flatMap((id) => this.incoming.get(id) ?? [])
      .sort((a, b) => this.edgeOrder.get(a)! - this.edgeOrder.get(b)!);
    roots.sort((a, b) => this.position.get(a)! - this.position.get(b)!);
    if (frontier.size === 0) return { roots, nodes, edges };
    return { roots, nodes, edges, frontier: nodes.filter((n) => frontier.has(n.id)).map((n) => n.id) };
  }

  private addCausalEdges(edges: EdgeSet, actionOf: ReadonlyMap<string, string>): void {
    // What the next model request will have seen: keyed so that each tool call contributes only its latest record.
    let context = new Map<string, string>();
    let lastModelRequest: string | undefined;
    const lastOfAction = new Map<string, string>();
    for (const obs of this.timeline.ordered) {
      const action = actionOf.get(obs.id);
      if (action !== undefined) {
        const previous = lastOfAction.get(action);
        if (previous !== undefined) edges.add(previous, obs.id, 'same_action');
        else if (lastModelRequest !== undefined) edges.add(lastModelRequest, obs.id, 'causal');
        else for (const from of context.values()) edges.add(from, obs.id, 'causal');
        lastOfAction.set(action, obs.id);
        context.set(`action:${action}`, obs.id);
        continue;
      }
      switch (obs.kind) {
        case 'session_start':
        case 'config':
        case 'prompt':
          context.set(obs.id, obs.id);
          break;
        case 'model_request':
          for (const from of context.values()) edges.add(from, obs.id, 'causal');
          context = new Map([[obs.id, obs.id]]);
          lastModelRequest = obs.id;
          break;
        case 'turn_end':
          for (const from of context.values()) edges.add(from, obs.id, 'causal');
          context = new Map([[obs.id, obs.id]]);
          break;
        case 'session_end':
          for (const from of context.values()) edges.add(from, obs.id, 'causal');
          break;
        default:
          // `other` records and tool records that belong to no known call take part only through span edges.
          break;
      }
    }
  }

  private addSpanEdges(edges: EdgeSet): void {
    for (const obs of this.timeline.ordered) {
      if (obs.span_id === undefined) continue;
      const owner = this.spanOwner.get(spanKey(obs.trace_id, obs.span_id));
      if (owner !== undefined && owner !== obs.id) {
        edges.add(owner, obs.id, 'parent_child');
      } else if (owner === obs.id && obs.parent_span_id !== undefined) {
        const parent = this.spanOwner.get(spanKey(obs.trace_id, obs.parent_span_id));
        if (parent !== undefined) edges.add(parent, obs.id, 'parent_child');
      }
    }
  }

  private addExplicitEdges(edges: EdgeSet): void {
    for (const obs of this.timeline.ordered) {
      for (const ref of obs.depends_on ?? []) {
        // Depending on a span is depending on what it produced: its end record when it has one.
        const span = ref.startsWith('span:') ? ref.slice('span:'.length) : undefined;
        const from = span === undefined ? ref : (this.spanEnd.get(span) ?? this.spanOwner.get(span));
        if (from !== undefined && this.byId.has(from)) edges.add(from, obs.id, 'depends_on');
      }
    }
  }

  // Iterate to a fixpoint rather than assume acyclicity: explicit depends_on links may point anywhere.
  private propagateLabels(): void {
    for (const obs of this.timeline.ordered) this.labels.set(obs.id, ownLabels(obs));
    let changed = true;
    while (changed) {
      changed = false;
      for (const edge of this.edges) {
        const from = this.labels.get(edge.from)!;
        const to = this.labels.get(edge.to)!;
        const merged = [...new Set([...to, ...from])].sort();
        if (merged.length !== to.length) {
          this.labels.set(edge.to, merged);
          changed = true;
        }
      }
    }
  }
}

function spanKey(traceId: string | undefined, spanId: string): string {
  return `${traceId ?? ''}/${spanId}`;
}

class EdgeSet {
  private readonly edges = new Map<string, GraphEdge>();

  add(from: string, to: string, type: GraphEdge['type']): void {
    if (from === to) return;
    const key = `${from}|${to}|${type}`;
    if (!this.edges.has(key)) this.edges.set(key, { from, to, type });
  }

  /** By from, to, type: the keys are exactly that triple, so sorting them orders the edges. */
  sorted(): GraphEdge[] {
    return [...this.edges.keys()].sort().map((key) => this.edges.get(key)!);
  }
}
