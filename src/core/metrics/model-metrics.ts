// Size and cost of a model: parameters, weight bytes and MACs, per node and in total.
//
// Conventions:
// - params: elements of the floating-point constant tensors a node reads (initializers or Constant
//   node outputs, followed through Identity/Cast forwarding, which exporters insert for shared or
//   fp16 weights), and 8-bit integer constants (quantized weights). Other integer constants (shape
//   vectors, axes, pads) and single-element constants (an op's fixed factor, like GELU's 1/√2 or an
//   attention scale) are not parameters. BatchNorm
//   running statistics are constants, so they count (torchvision tables count only trainable
//   parameters; the difference is 2 × channels per BatchNorm).
// - bytes: storage of every constant tensor (any type) a node reads, from dims × element size, so
//   it works on files whose payloads are stripped or external.
// - Totals count a tensor once even when several nodes read it; per-node values count it for
//   every reader.
// - MACs: see macs.ts (Conv/ConvTranspose/Gemm/MatMul multiply-accumulates, per sample). When
//   some node's count is unknown, the total is a lower bound and says so (macsLowerBound).
import { buildGraph, constantTensor, type GraphIR } from '../graph/ir.js';
import { inferShapes, type Dim, type ShapeOptions, type ShapeResult } from '../graph/shapes.js';
import { TensorDataType, type TensorProto } from '../onnx/proto.js';
import { bytesPerElement, tensorSize } from '../onnx/tensor.js';
import type { ModelProto } from '../onnx/proto.js';
import { batchDimOf, nodeMacs } from './macs.js';

/** Metrics of one node. */
export interface NodeMetrics {
  /** GraphIR.nodeId. */
  id: string;
  opType: string;
  /** Shape of the first output, if known. */
  outputShape?: Dim[];
  params: number;
  bytes: number;
  /** Per-sample MACs; null when a needed shape is unknown (see macsUnknownReason). */
  macs: number | null;
  macsUnknownReason?: string;
}

/** Metrics of a whole model. */
export interface ModelMetrics {
  params: number;
  bytes: number;
  /** Sum of the known per-node MACs. */
  macs: number;
  /** Nodes whose MACs could not be counted (so `macs` is a lower bound when non-empty). */
  macsUnknown: { node: string; reason: string }[];
  /** True when `macs` is only a lower bound: some node's MACs are unknown (see macsUnknown). */
  macsLowerBound: boolean;
  nodes: NodeMetrics[];
}

// Weights are floats, or 8-bit integers in quantized models; other integer constants are shapes, axes, indices.
export const PARAM_TYPES: ReadonlySet<number> = new Set<number>([TensorDataType.FLOAT, TensorDataType.FLOAT16, TensorDataType.BFLOAT16, TensorDataType.DOUBLE, TensorDataType.INT8, TensorDataType.UINT8]);
const FORWARDERS = new Set(['Identity', 'Cast']);

/** The constant tensor behind `name`, following Identity/Cast forwarding; undefined for activations. */
export function sourceConstant(ir: GraphIR, name: string): TensorProto | undefined {
  for (let depth = 0; depth < 8; depth++) {
    const t = constantTensor(ir, name);
    if (t) return t;
    const p = ir.producer.get(name);
    if (!p || !FORWARDERS.has(p.opType) || !p.input[0]) return undefined;
    name = p.input[0];
  }
  return undefined;
}

/** True for nodes that only pass a constant along (their reader gets the params). */
export function forwardsConstant(ir: GraphIR, node: GraphIR['nodes'][number]): boolean {
  if (node.opType === 'Constant') return true;
  return FORWARDERS.has(node.opType) && !!node.input[0] && sourceConstant(ir, node.input[0]) !== undefined;
}

/** Params, bytes and MACs per node and in total; pass `shapes` to reuse an inference already done. */
export function computeMetrics(ir: GraphIR, shapes: ShapeResult = inferShapes(ir)): ModelMetrics {
  const counted = new Set<TensorProto>();
  let params = 0;
  let bytes = 0;
  let macs = 0;
  const macsUnknown: ModelMetrics['macsUnknown'] = [];
  const firstInput = ir.inputs[0]?.name;
  const batch = batchDimOf(firstInput ? shapes.tensors.get(firstInput)?.shape : undefined);
  const nodes = ir.nodes.map((node): NodeMetrics => {
    const id = ir.nodeId.get(node) ?? node.name;
    const m: NodeMetrics = { id, opType: node.opType, outputShape: shapes.tensors.get(node.output[0] ?? '')?.shape, params: 0, bytes: 0, macs: 0 };
    if (!forwardsConstant(ir, node)) {
      const seen = new Set<TensorProto>();
      for (const input of node.input) {
        const t = input ? sourceConstant(ir, input) : undefined;
        if (!t || seen.has(t)) continue;
        seen.add(t);
        const n = tensorSize(t);
        const b = n * bytesPerElement(t.dataType);
        const p = PARAM_TYPES.has(t.dataType) && n > 1 ? n : 0;
        m.params += p;
        m.bytes += b;
        if (!counted.has(t)) {
          counted.add(t);
          params += p;
          bytes += b;
        }
      }
    }
    const count = nodeMacs(node, shapes, batch);
    if ('macs' in count) {
      m.macs = count.macs;
      macs += count.macs;
    } else {
      m.macs = null;
      m.macsUnknownReason = count.unknown;
      macsUnknown.push({ node: id, reason: count.unknown });
    }
    return m;
  });
  return { params, bytes, macs, macsUnknown, macsLowerBound: macsUnknown.length > 0, nodes };
}

/** Convenience: metrics of a decoded model (at `options.inputShapes` when given). */
export function modelMetrics(model: ModelProto, options: ShapeOptions = {}): ModelMetrics {
  const ir = buildGraph(model);
  return computeMetrics(ir, inferShapes(ir, options));
}
