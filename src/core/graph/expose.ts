// Makes intermediate tensors observable: onnxruntime only returns graph outputs, so activation
// statistics, recovery and the oracle run a copy of the model with the wanted tensors appended to
// graph.output.
import { cloneMessage } from '../onnx/clone.js';
import type { GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/proto.js';
import { buildGraph } from './ir.js';
import { inferShapes, type TensorInfo } from './shapes.js';

/** The plain-object form of a TensorShapeProto we build (dims with a value, a symbol, or neither). */
interface ShapeLike {
  dim: { dimValue?: number; dimParam?: string }[];
}

/** A ValueInfoProto for a tensor whose type/shape we inferred (symbolic dims become dim_param). */
function valueInfoFrom(name: string, info: TensorInfo | undefined): ValueInfoProto {
  if (!info?.dataType) return { name } as ValueInfoProto;
  const shape: ShapeLike | undefined = info.shape
    ? { dim: info.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : d === '?' ? {} : { dimParam: d })) }
    : undefined;
  return { name, type: { tensorType: { elemType: info.dataType, ...(shape ? { shape } : {}) } } } as unknown as ValueInfoProto;
}

/**
 * Returns a new model whose graph also outputs the named tensors (node outputs or graph inputs), with
 * type and shape from value_info or shape inference when known. Names already outputs are skipped.
 * The input model is not modified (the new one shares nodes and initializers with it).
 */
export function exposeTensors(model: ModelProto, names: readonly string[]): ModelProto {
  const ir = buildGraph(model);
  const graph = ir.graph;
  const missing = names.filter((n) => !ir.producer.has(n) && !ir.inputs.some((i) => i.name === n));
  if (missing.length) {
    const why = missing.map((n) => (ir.initializers.has(n) ? `"${n}" (a weight, not an activation)` : `"${n}"`)).join(', ');
    throw new Error(`cannot capture ${why}: no node of the model produces it; pick tensor names from the graph's node outputs`);
  }
  const wanted = [...new Set(names)].filter((n) => !ir.outputs.has(n));
  if (!wanted.length) return cloneMessage(model, { graph: cloneMessage(graph, { output: [...graph.output] }) });
  let inferred: Map<string, TensorInfo> | undefined;
  const infer = (name: string): TensorInfo | undefined => {
    try {
      inferred ??= inferShapes(ir).tensors;
    } catch {
      inferred = new Map(); // Type info is optional: onnxruntime infers it for untyped outputs.
    }
    return inferred.get(name);
  };
  const added = wanted.map((name) => ir.valueInfo.get(name) ?? valueInfoFrom(name, infer(name)));
  const newGraph: GraphProto = cloneMessage(graph, { output: [...graph.output, ...added] });
  return cloneMessage(model, { graph: newGraph });
}

/** Nodes, initializers and outputs to append to a graph. */
export interface GraphAdditions {
  nodes: NodeProto[];
  initializers: TensorProto[];
  outputs: ValueInfoProto[];
}

/**
 * Returns a new model with `additions` appended to its graph (nodes after the existing ones, so
 * topological order holds when they only read existing tensors). The input model is not modified.
 */
export function extendGraph(model: ModelProto, additions: GraphAdditions): ModelProto {
  const graph = model.graph;
  if (!graph) throw new Error('model has no graph');
  const newGraph = cloneMessage(graph, {
    node: [...graph.node, ...additions.nodes],
    initializer: [...graph.initializer, ...additions.initializers],
    output: [...graph.output, ...additions.outputs],
  });
  return cloneMessage(model, { graph: newGraph });
}
