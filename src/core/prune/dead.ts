// Removes what surgery left unused: initializers nobody reads and Constant/Identity nodes whose
// outputs nobody reads (weights that were replaced by sliced copies).
import type { GraphProto } from '../onnx/proto.js';

const REMOVABLE = new Set(['Constant', 'Identity']);

/** Names read by a graph's nodes, including nodes of subgraphs (If/Loop bodies read outer names). */
function readNames(graph: GraphProto, into: Set<string>): void {
  for (const n of graph.node) {
    for (const i of n.input) if (i) into.add(i);
    for (const a of n.attribute) {
      if (a.g) readNames(a.g as GraphProto, into);
      for (const g of a.graphs) readNames(g as GraphProto, into);
    }
  }
}

/** Drops dead initializers (and their graph.input entries) and dead Constant/Identity nodes, in place on a graph the caller owns. */
export function removeDeadValues(graph: GraphProto): void {
  for (;;) {
    const used = new Set<string>(graph.output.map((o) => o.name));
    readNames(graph, used);
    const before = graph.node.length;
    graph.node = graph.node.filter((n) => !(REMOVABLE.has(n.opType) && (n.domain === '' || !n.domain) && n.output.every((o) => !used.has(o))));
    if (graph.node.length === before) {
      const inits = new Set(graph.initializer.map((t) => t.name));
      graph.initializer = graph.initializer.filter((t) => used.has(t.name));
      graph.input = graph.input.filter((i) => !inits.has(i.name) || used.has(i.name));
      return;
    }
  }
}
