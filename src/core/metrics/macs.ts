// Multiply-accumulate counts of the ops that dominate inference cost.
//
// Conventions (the numbers papers and torchvision tables report):
// - MACs count only the multiply-accumulates of Conv, ConvTranspose, Gemm and MatMul. Bias adds,
//   activations, normalization, pooling and element-wise ops are not counted (they are a few
//   percent at most for vision CNNs).
// - Per sample: the first dim of the output (the batch, N) is left out, whatever its value.
// - Any other dim that is not a number (a dynamic H, W or sequence length) makes the count unknown.
import { attrInt, attrInts } from '../graph/attributes.js';
import type { NodeProto } from '../onnx/proto.js';
import type { Dim, ShapeResult } from '../graph/shapes.js';

/** The ops that have MACs: op type → the layer kind it is counted as and where its weight is. */
const MAC_LAYERS: Readonly<Record<string, { as: 'Conv' | 'ConvTranspose' | 'Gemm' | 'MatMul'; weight: number }>> = {
  Conv: { as: 'Conv', weight: 1 },
  ConvTranspose: { as: 'ConvTranspose', weight: 1 },
  Gemm: { as: 'Gemm', weight: 1 },
  MatMul: { as: 'MatMul', weight: 1 },
  // Quantized layers do the same multiply-accumulates on integers.
  ConvInteger: { as: 'Conv', weight: 1 },
  QLinearConv: { as: 'Conv', weight: 3 },
  MatMulInteger: { as: 'MatMul', weight: 1 },
  QLinearMatMul: { as: 'MatMul', weight: 3 },
};

export const MAC_OPS: ReadonlySet<string> = new Set(Object.keys(MAC_LAYERS));

/** MACs of one node as a result: a count, or why it cannot be counted. */
export type MacCount = { macs: number } | { unknown: string };

function numeric(dims: readonly Dim[] | undefined, what: string): readonly number[] | string {
  if (!dims) return `shape of ${what} is unknown`;
  if (!dims.every((d): d is number => typeof d === 'number')) return `${what} has dynamic dims [${dims.join(',')}]`;
  return dims;
}

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** MACs of a node per sample (0 for ops without MACs). */
export function nodeMacs(node: NodeProto, shapes: ShapeResult): MacCount {
  const layer = MAC_LAYERS[node.opType];
  if (!layer) return { macs: 0 };
  const weight = node.input[layer.weight];
  const shapeOf = (name: string | undefined) => (name ? shapes.tensors.get(name)?.shape : undefined);
  const out = numeric(shapeOf(node.output[0])?.slice(1), `output "${node.output[0]}" (after the batch dim)`);
  if (typeof out === 'string') return { unknown: out };
  const lastDimOfA = (): number | string => {
    const a = shapeOf(node.input[0]);
    const k = a?.[a.length - 1];
    return typeof k === 'number' ? k : `reduction dim of input "${node.input[0]}" is unknown`;
  };
  switch (layer.as) {
    case 'Conv': case 'ConvTranspose': {
      const w = numeric(shapeOf(weight), `weight "${weight}"`);
      if (typeof w === 'string') return { unknown: w };
      const kernel = prod(attrInts(node, 'kernel_shape', w.slice(2)));
      // Conv: each output element of each output channel sums over (C/group) × kernel; W is [M, C/g, *k].
      if (layer.as === 'Conv') return { macs: prod(out) * w[1]! * kernel };
      // ConvTranspose: each input element scatters into (M/group) × kernel outputs; W is [C, M/g, *k].
      const x = numeric(shapeOf(node.input[0])?.slice(2), `spatial dims of input "${node.input[0]}"`);
      if (typeof x === 'string') return { unknown: x };
      return { macs: prod(x) * w[0]! * w[1]! * kernel };
    }
    case 'Gemm': {
      // [M, K] × [K, N]: M is the batch, so per sample it is N × K.
      const a = shapeOf(node.input[0]);
      const k = attrInt(node, 'transA', 0) ? a?.[0] : a?.[1];
      if (typeof k !== 'number') return { unknown: `reduction dim of input "${node.input[0]}" is unknown` };
      return { macs: prod(out) * k };
    }
    default: {
      // MatMul: each output element is a dot product over K, the last dim of A. A rank-1 output
      // (vector · matrix) has no batch dim to leave out.
      const k = lastDimOfA();
      if (typeof k === 'string') return { unknown: k };
      const full = shapeOf(node.output[0]);
      return { macs: (full?.length === 1 && typeof full[0] === 'number' ? full[0] : prod(out)) * k };
    }
  }
}
