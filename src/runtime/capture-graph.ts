// In-graph activation statistics: instead of returning whole activation maps to JS, append
// reduction nodes after each captured tensor so onnxruntime returns only per-channel sums (a few
// floats per channel). On onnxruntime-node the reductions run multi-threaded and almost nothing
// crosses into JS; on onnxruntime-web they are slower than one JS pass (see defaultCaptureMode in
// capture.ts). capture.ts falls back to JS-side reduction (full tensors as outputs) when a model does
// not allow this (unknown rank, opset < 11).
import { buildGraph, defaultOpset } from '../core/graph/ir.js';
import { extendGraph } from '../core/graph/expose.js';
import { inferShapes } from '../core/graph/shapes.js';
import { encodeModel } from '../core/onnx/codec.js';
import { AttributeType, TensorDataType, type AttributeProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../core/onnx/proto.js';
import { makeInt64Tensor, makeTensor } from '../core/onnx/tensor.js';
import type { ChannelStats } from '../core/score/activation-stats.js';
import type { Float32Tensor } from './session.js';

/** Output names holding one target's per-channel partial sums for a batch. */
export interface ReductionOutputs {
  name: string;
  channelAxis: number;
  sum: string;
  sumSquares: string;
  sumAbs: string;
  zeros: string;
  /** Σ over samples of the map L2 (equal to sumAbs when the channel axis is the last one). */
  mapL2: string;
  /** The captured tensor's shape (int64, returned as floats). */
  shape: string;
}

export interface ReductionModel {
  bytes: Uint8Array;
  outputs: ReductionOutputs[];
}

const attrInts = (name: string, ints: number[]): AttributeProto => ({ name, type: AttributeType.INTS, ints }) as unknown as AttributeProto;
const attrInt = (name: string, i: number): AttributeProto => ({ name, type: AttributeType.INT, i }) as unknown as AttributeProto;
const node = (opType: string, input: string[], output: string, attribute: AttributeProto[] = []): NodeProto =>
  ({ opType, input, output: [output], name: output, domain: '', attribute }) as unknown as NodeProto;
const output = (name: string): ValueInfoProto => ({ name }) as ValueInfoProto;

/**
 * Builds the model with per-channel reductions appended for each target, or returns the reason it
 * cannot (the caller then reduces in JS).
 */
export function buildReductionModel(model: ModelProto, targets: readonly { name: string; channelAxis: number }[]): ReductionModel | string {
  const opset = defaultOpset(model);
  if (opset < 11) return `opset ${opset} < 11 (Equal on floats)`;
  const ir = buildGraph(model);
  let shapes: ReturnType<typeof inferShapes>;
  try {
    shapes = inferShapes(ir);
  } catch (err) {
    return `shape inference failed (${err instanceof Error ? err.message : String(err)})`;
  }
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const outputs: ValueInfoProto[] = [];
  const plan: ReductionOutputs[] = [];
  const zero = '__capture_zero';
  initializers.push(makeTensor(zero, [], TensorDataType.FLOAT, [0]));
  // ReduceSum takes axes as an input from opset 13, the other reductions from opset 18.
  const reduce = (op: string, x: string, axes: number[], out: string) => {
    const axesAsInput = op === 'ReduceSum' ? opset >= 13 : opset >= 18;
    if (!axesAsInput) return nodes.push(node(op, [x], out, [attrInts('axes', axes), attrInt('keepdims', 0)]));
    const axesName = `${out}__axes`;
    initializers.push(makeInt64Tensor(axesName, [axes.length], axes));
    return nodes.push(node(op, [x, axesName], out, [attrInt('keepdims', 0)]));
  };
  for (const [i, { name, channelAxis }] of targets.entries()) {
    const rank = shapes.tensors.get(name)?.shape?.length;
    if (rank === undefined) return `the rank of "${name}" is unknown`;
    if (channelAxis < 0 || channelAxis >= rank) return `channel axis ${channelAxis} is outside "${name}" (rank ${rank})`;
    const all = [...Array(rank).keys()];
    const others = all.filter((a) => a !== channelAxis);
    const inner = all.filter((a) => a > channelAxis);
    const outer = all.filter((a) => a < channelAxis);
    const p = `__capture_${i}`;
    const r: ReductionOutputs = {
      name, channelAxis, sum: `${p}_sum`, sumSquares: `${p}_sumsq`, sumAbs: `${p}_sumabs`, zeros: `${p}_zeros`, mapL2: `${p}_mapl2`, shape: `${p}_shape`,
    };
    if (others.length) {
      reduce('ReduceSum', name, others, r.sum);
      reduce('ReduceSumSquare', name, others, r.sumSquares);
      reduce('ReduceL1', name, others, r.sumAbs);
    } else {
      // A 1-D tensor is its own per-channel sum.
      nodes.push(node('Identity', [name], r.sum), node('Mul', [name, name], r.sumSquares), node('Abs', [name], r.sumAbs));
    }
    nodes.push(node('Equal', [name, zero], `${p}_iszero`), node('Cast', [`${p}_iszero`], `${p}_zerof`, [attrInt('to', TensorDataType.FLOAT)]));
    if (others.length) reduce('ReduceSum', `${p}_zerof`, others, r.zeros);
    else nodes.push(node('Identity', [`${p}_zerof`], r.zeros));
    if (!inner.length) r.mapL2 = r.sumAbs; // each value is its own map: its L2 norm is |a|
    else if (!outer.length) reduce('ReduceL2', name, inner, r.mapL2);
    else {
      reduce('ReduceL2', name, inner, `${p}_maps`);
      reduce('ReduceSum', `${p}_maps`, outer, r.mapL2);
    }
    nodes.push(node('Shape', [name], r.shape));
    outputs.push(...[r.sum, r.sumSquares, r.sumAbs, r.zeros, r.shape, ...(r.mapL2 !== r.sumAbs ? [r.mapL2] : [])].map(output));
    plan.push(r);
  }
  return { bytes: encodeModel(extendGraph(model, { nodes, initializers, outputs })), outputs: plan };
}

/** Adds one batch's reduced outputs for `r` to `stats` (created by the caller with the right channel count). */
export function addReducedBatch(stats: ChannelStats, r: ReductionOutputs, results: Record<string, Float32Tensor>): void {
  const dims = Array.from(results[r.shape]!.data);
  const channels = dims[r.channelAxis]!;
  if (channels !== stats.channels) throw new Error(`"${r.name}" has ${channels} channels in this batch, ${stats.channels} before`);
  const outer = dims.slice(0, r.channelAxis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(r.channelAxis + 1).reduce((a, b) => a * b, 1);
  const add = (into: Float64Array, from: string) => {
    const data = results[from]!.data;
    for (let c = 0; c < channels; c++) into[c]! += data[c]!;
  };
  add(stats.sum, r.sum);
  add(stats.sumSquares, r.sumSquares);
  add(stats.sumAbs, r.sumAbs);
  add(stats.zeros, r.zeros);
  add(stats.sumMapL2, r.mapL2);
  for (let c = 0; c < channels; c++) stats.count[c]! += outer * inner;
  stats.samples += outer;
}
