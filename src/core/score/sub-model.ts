// The part of a graph downstream of some tensors, as a model of its own: the oracle criterion feeds
// it cached activations (with a channel zeroed) instead of rerunning the whole network per channel.
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { TensorDataType, type ModelProto } from '../onnx/proto.js';
import { buildGraph } from '../graph/ir.js';
import { inferShapes } from '../graph/shapes.js';
import { makeValueInfo } from './graph-builder.js';

export interface SubModel {
  model: ModelProto;
  /** Every input of the sub-model: the start tensors and the other activations its nodes read. */
  inputs: string[];
  /** Graph outputs the start tensors influence (the others keep their unpruned values). */
  outputs: string[];
}

/**
 * The nodes that depend on `starts`, with `starts` and every other activation they read as inputs.
 * Returns undefined when one start tensor depends on another (feeding both cached values would be
 * wrong), or when the nodes read a non-float tensor (a transformer's shape arithmetic): the cache
 * holds float32 tensors only.
 */
export function subModelFrom(model: ModelProto, starts: readonly string[]): SubModel | undefined {
  const ir = buildGraph(model);
  const startSet = new Set(starts);
  const reached = new Set(starts);
  const nodes = [];
  for (const node of ir.nodes) {
    if (!node.input.some((i) => i && reached.has(i))) continue;
    if (node.output.some((o) => startSet.has(o))) return undefined;
    nodes.push(node);
    node.output.forEach((o) => o && reached.add(o));
  }
  const produced = new Set(nodes.flatMap((n) => n.output));
  const inputs = [...starts];
  for (const n of nodes) {
    for (const i of n.input) {
      if (!i || produced.has(i) || ir.initializers.has(i) || inputs.includes(i)) continue;
      const p = ir.producer.get(i);
      // Constants are copied in as nodes; everything else becomes an input.
      if (p?.opType === 'Constant') continue;
      inputs.push(i);
    }
  }
  const types = inferShapes(ir).tensors;
  if (inputs.some((name) => (types.get(name)?.dataType ?? TensorDataType.FLOAT) !== TensorDataType.FLOAT)) return undefined;
  const outputs = [...ir.outputs].filter((o) => produced.has(o));
  const copy = decodeModel(encodeModel(model), 'sub-model');
  const graph = copy.graph!;
  const keepNames = new Set(nodes.map((n) => n.output[0]));
  const constants = new Set(nodes.flatMap((n) => n.input).filter((i) => ir.producer.get(i)?.opType === 'Constant'));
  graph.node = graph.node.filter((n) => keepNames.has(n.output[0]) || n.output.some((o) => constants.has(o)));
  const used = new Set(graph.node.flatMap((n) => n.input));
  graph.initializer = graph.initializer.filter((t) => used.has(t.name));
  graph.input = inputs.map((name) => makeValueInfo(name));
  graph.output = graph.output.filter((o) => outputs.includes(o.name));
  graph.valueInfo = [];
  return { model: copy, inputs, outputs };
}
