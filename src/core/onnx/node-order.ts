// ONNX asks for nodes in topological order, but real files break the rule: onnxconverter-common's fp16
// converter appends the Cast nodes it inserts (around Resize, at the graph inputs) at the END of the
// node list, and onnxruntime, which sorts graphs itself, runs such files without a word. So an
// acyclic graph out of order is put in order on load instead of refused; a graph with a cycle is left
// as it is, for the validator to name the cycle.
import type { GraphProto, NodeProto } from './proto.js';

/**
 * Reorders `graph.node` (and the nodes of every subgraph) into topological order, in place, keeping
 * the file's order wherever it already holds: each node comes as early as the file put it, after the
 * producers of its inputs. Returns how many nodes moved; 0 leaves the graph untouched.
 */
export function restoreTopologicalOrder(graph: GraphProto): number {
  let moved = 0;
  for (const node of graph.node) {
    for (const attr of node.attribute ?? []) {
      if (attr.g) moved += restoreTopologicalOrder(attr.g as GraphProto);
      for (const g of attr.graphs ?? []) moved += restoreTopologicalOrder(g as GraphProto);
    }
  }
  const order = topologicalOrder(graph.node);
  if (!order) return moved;
  let changed = 0;
  for (let i = 0; i < order.length; i++) if (order[i] !== graph.node[i]) changed++;
  if (changed) graph.node = order;
  return moved + changed;
}

/**
 * A stable topological order of `nodes` (depth-first: a node's producers are emitted before it),
 * or undefined when they form a cycle. Names no node produces (graph inputs, initializers, outer
 * scopes) count as available.
 */
function topologicalOrder(nodes: readonly NodeProto[]): NodeProto[] | undefined {
  const producer = new Map<string, number>();
  nodes.forEach((node, i) => node.output.forEach((name) => name && !producer.has(name) && producer.set(name, i)));
  const inputsOf = (i: number): number[] => {
    const deps: number[] = [];
    for (const name of nodes[i]!.input) {
      const p = name ? producer.get(name) : undefined;
      if (p !== undefined && p !== i) deps.push(p);
    }
    return deps;
  };
  // 0 = not visited, 1 = on the current path, 2 = emitted. Iterative: real graphs chain thousands deep.
  const state = new Uint8Array(nodes.length);
  const order: NodeProto[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root]) continue;
    const stack: { node: number; deps: number[]; next: number }[] = [{ node: root, deps: inputsOf(root), next: 0 }];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.deps.length) {
        const dep = top.deps[top.next++]!;
        if (state[dep] === 1) return undefined;
        if (state[dep] === 0) {
          state[dep] = 1;
          stack.push({ node: dep, deps: inputsOf(dep), next: 0 });
        }
        continue;
      }
      state[top.node] = 2;
      order.push(nodes[top.node]!);
      stack.pop();
    }
  }
  return order;
}
