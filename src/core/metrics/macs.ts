// Multiply-accumulate counts of the ops that dominate inference cost.
//
// Conventions (the numbers papers and torchvision tables report):
// - MACs count only the multiply-accumulates of Conv, ConvTranspose, Gemm and MatMul. Bias adds,
//   activations, normalization, pooling and element-wise ops are not counted (they are a few
//   percent at most for vision CNNs). A MatMul of two activations (attention's q·kᵀ and att·v)
//   counts like any other: M·K·N per matrix product, times its broadcast batch dims.
// - Per sample: a node's whole count divided by the model's batch size. The batch is the first dim
//   of the first graph input: a symbol there ("batch", "N") counts as 1 wherever it shows up, a
//   number is divided out. Dropping each output's first dim instead would undercount layouts
//   where it is not the batch: nn.MultiheadAttention works on [seq, batch, dim] and its bmm on
//   [batch·heads, seq, seq].
// - Any other dim that is not a number (a dynamic H, W or sequence length) makes the count unknown;
//   the CLI's --input-shape turns such dims into numbers.
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

/** What "per sample" divides by: the batch dim of the model input. */
export interface BatchDim {
  /** The symbol standing for the batch (it counts as 1), when the batch dim is symbolic. */
  symbol?: string;
  /** The batch size when it is a number (counts are divided by it); 1 otherwise. */
  size: number;
}

/** The batch of a model whose first graph input has shape `input` (its first dim). */
export function batchDimOf(input: readonly Dim[] | undefined): BatchDim {
  const d = input?.[0];
  if (typeof d === 'number' && d > 0) return { size: d };
  if (typeof d === 'string' && d !== '?' && !d.includes('*')) return { symbol: d, size: 1 };
  return { size: 1 };
}

/** A dim as a number with the batch symbol as 1 ("12*batch" → 12); undefined when dynamic. */
function evaluate(d: Dim, batch: BatchDim): number | undefined {
  if (typeof d === 'number') return d;
  let value = 1;
  for (const f of d.split('*')) {
    if (/^\d+$/.test(f)) value *= Number(f);
    else if (f !== batch.symbol) return undefined;
  }
  return value;
}

function numeric(dims: readonly Dim[] | undefined, what: string, batch: BatchDim): readonly number[] | string {
  if (!dims) return `shape of ${what} is unknown`;
  const values = dims.map((d) => evaluate(d, batch));
  if (!values.every((v): v is number => v !== undefined)) return `${what} has dynamic dims [${dims.join(',')}]`;
  return values;
}

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** MACs of a node per sample (0 for ops without MACs). */
export function nodeMacs(node: NodeProto, shapes: ShapeResult, batch: BatchDim = { size: 1 }): MacCount {
  const layer = MAC_LAYERS[node.opType];
  if (!layer) return { macs: 0 };
  const count = totalMacs(layer.as, layer.weight, node, shapes, batch);
  return typeof count === 'string' ? { unknown: count } : { macs: count / batch.size };
}

/** MACs of a node for the whole batch, or why they are unknown. */
function totalMacs(kind: 'Conv' | 'ConvTranspose' | 'Gemm' | 'MatMul', weightIndex: number, node: NodeProto, shapes: ShapeResult, batch: BatchDim): number | string {
  const weight = node.input[weightIndex];
  const shapeOf = (name: string | undefined) => (name ? shapes.tensors.get(name)?.shape : undefined);
  const out = numeric(shapeOf(node.output[0]), `output "${node.output[0]}"`, batch);
  if (typeof out === 'string') return out;
  const dimOfA = (pick: (a: readonly Dim[]) => Dim | undefined): number | string => {
    const a = shapeOf(node.input[0]);
    const k = a ? pick(a) : undefined;
    const v = k === undefined ? undefined : evaluate(k, batch);
    return v ?? `reduction dim of input "${node.input[0]}" is unknown`;
  };
  switch (kind) {
    case 'Conv': case 'ConvTranspose': {
      const w = numeric(shapeOf(weight), `weight "${weight}"`, batch);
      if (typeof w === 'string') return w;
      const kernel = prod(attrInts(node, 'kernel_shape', w.slice(2)));
      // Conv: each output element of each output channel sums over (C/group) × kernel; W is [M, C/g, *k].
      if (kind === 'Conv') return prod(out) * w[1]! * kernel;
      // ConvTranspose: each input element scatters into (M/group) × kernel outputs; W is [C, M/g, *k].
      const x = numeric(shapeOf(node.input[0]), `input "${node.input[0]}"`, batch);
      if (typeof x === 'string') return x;
      return prod(x.filter((_, i) => i !== 1)) * w[0]! * w[1]! * kernel;
    }
    case 'Gemm': {
      // [M, K] × [K, N] → [M, N]: every output element is a dot product over K.
      const k = dimOfA((a) => (attrInt(node, 'transA', 0) ? a[0] : a[1]));
      return typeof k === 'string' ? k : prod(out) * k;
    }
    default: {
      // MatMul: each output element is a dot product over K, the last dim of A; the output holds
      // every broadcast batch dim already.
      const k = dimOfA((a) => a[a.length - 1]);
      return typeof k === 'string' ? k : prod(out) * k;
    }
  }
}
