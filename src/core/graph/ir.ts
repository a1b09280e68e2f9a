// A read-only index over an ONNX graph: who produces and who consumes each tensor, and where
// constant data lives (initializers or Constant nodes, as paddle2onnx and older exporters emit).
import type { GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/proto.js';
import { TensorDataType } from '../onnx/proto.js';
import { makeInt64Tensor, makeTensor } from '../onnx/tensor.js';
import { attrTensor } from './attributes.js';

/** One use of a tensor: `node.input[inputIndex]`. */
export interface TensorUse {
  node: NodeProto;
  inputIndex: number;
}

/** Index over the main graph of a model. Node identity is the NodeProto object itself. */
export interface GraphIR {
  model: ModelProto;
  graph: GraphProto;
  /** Nodes in the file's order (ONNX requires topological order). */
  nodes: NodeProto[];
  /** Tensor name → the node that produces it (absent for inputs and initializers). */
  producer: Map<string, NodeProto>;
  /** Tensor name → every node input that reads it, in node order. */
  consumers: Map<string, TensorUse[]>;
  initializers: Map<string, TensorProto>;
  /** Graph inputs that are real inputs (not initializers listed as inputs, as IR < 4 requires). */
  inputs: ValueInfoProto[];
  outputs: Set<string>;
  /** value_info, inputs and outputs by tensor name. */
  valueInfo: Map<string, ValueInfoProto>;
  /** Stable display id of every node: its name, or `<op>_<index>` when unnamed. */
  nodeId: Map<NodeProto, string>;
}

/** Builds the index. The model is not modified. */
export function buildGraph(model: ModelProto): GraphIR {
  const graph = model.graph;
  if (!graph) throw new Error('model has no graph');
  const producer = new Map<string, NodeProto>();
  const consumers = new Map<string, TensorUse[]>();
  const nodeId = new Map<NodeProto, string>();
  const usedIds = new Set<string>();
  graph.node.forEach((node, index) => {
    let id = node.name || `${node.opType}_${index}`;
    if (usedIds.has(id)) id = `${id}_${index}`;
    usedIds.add(id);
    nodeId.set(node, id);
    node.output.forEach((out) => out && producer.set(out, node));
    node.input.forEach((name, inputIndex) => {
      if (!name) return;
      let uses = consumers.get(name);
      if (!uses) consumers.set(name, (uses = []));
      uses.push({ node, inputIndex });
    });
  });
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  const valueInfo = new Map<string, ValueInfoProto>();
  for (const vi of [...graph.valueInfo, ...graph.input, ...graph.output]) valueInfo.set(vi.name, vi);
  return {
    model,
    graph,
    nodes: graph.node,
    producer,
    consumers,
    initializers,
    inputs: graph.input.filter((i) => !initializers.has(i.name)),
    outputs: new Set(graph.output.map((o) => o.name)),
    valueInfo,
    nodeId,
  };
}

/**
 * The constant tensor behind a name: an initializer, or the value of a Constant node in any of its
 * numeric forms (value, value_float(s), value_int(s); the scalar forms give 0-d tensors, as ONNX says).
 */
export function constantTensor(ir: GraphIR, name: string): TensorProto | undefined {
  const init = ir.initializers.get(name);
  if (init) return init;
  const node = ir.producer.get(name);
  if (node?.opType !== 'Constant' || !(node.domain === '' || node.domain === 'ai.onnx')) return undefined;
  const tensor = attrTensor(node, 'value');
  if (tensor) return tensor;
  for (const attr of node.attribute) {
    switch (attr.name) {
      case 'value_float': return makeTensor(name, [], TensorDataType.FLOAT, [attr.f]);
      case 'value_floats': return makeTensor(name, [attr.floats.length], TensorDataType.FLOAT, attr.floats);
      case 'value_int': return makeInt64Tensor(name, [], [attr.i]);
      case 'value_ints': return makeInt64Tensor(name, [attr.ints.length], attr.ints);
    }
  }
  return undefined;
}

/**
 * The constant behind `name` and the name it really lives under, looking through Identity nodes
 * (exporters forward shared or renamed weights through them). Any other producer ends the search.
 */
export function constantThroughIdentity(ir: GraphIR, name: string | undefined): { name: string; tensor: TensorProto } | undefined {
  const seen = new Set<string>();
  for (let n = name; n && !seen.has(n); ) {
    seen.add(n);
    const tensor = constantTensor(ir, n);
    if (tensor) return { name: n, tensor };
    const p = ir.producer.get(n);
    if (p?.opType !== 'Identity') return undefined;
    n = p.input[0];
  }
  return undefined;
}

/** The consumers of a tensor (empty when none). */
export function usesOf(ir: GraphIR, name: string): TensorUse[] {
  return ir.consumers.get(name) ?? [];
}

/** The opset version of the default domain (ai.onnx). */
export function defaultOpset(model: ModelProto): number {
  const entry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? Number(entry.version) : 1;
}
