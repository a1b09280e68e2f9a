// Compact mode for big graphs: fold chains of channel-transparent single-input ops (BN, ReLU, ...)
// into the box of their producer, and hide weight-only nodes (Constant, Identity of an initializer). A 500-node export typically shrinks by
// a third to a half, which makes dagre faster and the drawing readable.
import type { EdgeSummary, LayoutNodeInput } from '../protocol';

/** A box to lay out: one node, or a producer with the ops folded into it. */
export interface DisplayNode {
  id: string;
  label: string;
  family: LayoutNodeInput['family'];
  members: string[];
}

export interface DisplayGraph {
  nodes: DisplayNode[];
  /** Edges between boxes, one per (from, to) pair; `tensor` is the first tensor seen. */
  edges: EdgeSummary[];
  /** Original id → box id (nodes hidden in compact mode are absent). */
  displayOf: Map<string, string>;
}

const SHORT: Record<string, string> = { BatchNormalization: 'BN', InstanceNormalization: 'IN', Identity: 'Id' };

/** Groups nodes into display boxes; nodes must be in topological order. */
export function buildDisplayGraph(nodes: LayoutNodeInput[], edges: EdgeSummary[], compact: boolean): DisplayGraph {
  // Weight-only nodes (Constant, or torch's Identity over a shared initializer) have no data inputs.
  const fed = new Set(edges.map((e) => e.to));
  const hidden = new Set(compact ? nodes.filter((n) => n.family !== 'io' && !fed.has(n.id)).map((n) => n.id) : []);
  const live = edges.filter((e) => !hidden.has(e.from) && !hidden.has(e.to));
  const inEdges = new Map<string, EdgeSummary[]>();
  const outTargets = new Map<string, Set<string>>();
  for (const e of live) {
    const list = inEdges.get(e.to) ?? [];
    list.push(e);
    inEdges.set(e.to, list);
    const targets = outTargets.get(e.from) ?? new Set<string>();
    targets.add(e.to);
    outTargets.set(e.from, targets);
  }

  const displayOf = new Map<string, string>();
  const boxes = new Map<string, DisplayNode>();
  for (const node of nodes) {
    if (hidden.has(node.id)) continue;
    const incoming = inEdges.get(node.id) ?? [];
    const producer = incoming.length === 1 ? incoming[0]!.from : undefined;
    const box = producer !== undefined ? boxes.get(displayOf.get(producer) ?? '') : undefined;
    const foldable =
      compact && node.channelTransparent && box !== undefined && box.family !== 'io' && outTargets.get(producer!)?.size === 1;
    if (foldable) {
      box.members.push(node.id);
      box.label += ` · ${SHORT[node.opType] ?? node.opType}`;
      displayOf.set(node.id, box.id);
      continue;
    }
    boxes.set(node.id, { id: node.id, label: node.label, family: node.family, members: [node.id] });
    displayOf.set(node.id, node.id);
  }

  const seen = new Set<string>();
  const displayEdges: EdgeSummary[] = [];
  for (const e of live) {
    const from = displayOf.get(e.from);
    const to = displayOf.get(e.to);
    if (from === undefined || to === undefined || from === to) continue;
    const key = `${from}\u0000${to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    displayEdges.push({ from, to, tensor: e.tensor });
  }
  return { nodes: [...boxes.values()], edges: displayEdges, displayOf };
}
