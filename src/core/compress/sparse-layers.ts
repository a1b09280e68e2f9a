// Which weights sparsification can zero, and where their input-channel axis is: the N:M pattern
// (2:4 on NVIDIA's sparse tensor cores) groups M consecutive weights along the axis a layer REDUCES
// over, at a fixed output and kernel position. Conv W[O, C/g, k…]: axis 1; ConvTranspose W[C, O/g, k…]
// (decoders): axis 0; Gemm B[K, N] (transB = 0) or B[N, K] (transB = 1): the K axis; MatMul B[K, N]: axis 0. Weights are float constants reached
// directly or through Identity (fp16 ones too: values are written back in their own type);
// quantized and computed weights stay dense, with the reason.
import { attrInt } from '../graph/attributes.js';
import { constantThroughIdentity, type GraphIR } from '../graph/ir.js';
import { isDefaultDomain } from '../graph/op-traits.js';
import { TensorDataType } from '../onnx/proto.js';
import { tensorDims } from '../onnx/tensor.js';

export type SparseOp = 'Conv' | 'ConvTranspose' | 'Gemm' | 'MatMul';

const SPARSE_OPS = new Set<string>(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

export interface SparseLayer {
  /** GraphIR.nodeId of the layer. */
  node: string;
  op: SparseOp;
  /** The initializer holding the weight (after Identity nodes); tied weights are listed once. */
  weight: string;
  dims: number[];
  /** The input-channel (reduction) axis of the weight, and the element strides around it. */
  axis: number;
  /** Product of the dims before `axis` and after it. */
  outer: number;
  inner: number;
  /** Index of the output (row of the out×in view) that weight element `i` feeds. */
  outputOf: (i: number) => number;
  outputs: number;
}

const FLOATS = new Set<number>([TensorDataType.FLOAT, TensorDataType.FLOAT16, TensorDataType.BFLOAT16, TensorDataType.DOUBLE]);

/** The layers whose weights can be sparsified, and why the others of those op types cannot. */
export function sparseLayers(ir: GraphIR): { layers: SparseLayer[]; skipped: { node: string; reason: string }[] } {
  const layers: SparseLayer[] = [];
  const skipped: { node: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (const node of ir.nodes) {
    if (!isDefaultDomain(node.domain) || !SPARSE_OPS.has(node.opType)) continue;
    const id = ir.nodeId.get(node) ?? node.name;
    const w = constantThroughIdentity(ir, node.input[1]);
    if (!w || !ir.initializers.has(w.name)) {
      skipped.push({ node: id, reason: 'weight is not a constant initializer' });
      continue;
    }
    if (!FLOATS.has(w.tensor.dataType)) {
      skipped.push({ node: id, reason: 'weight is not a float tensor (quantized weights stay as they are)' });
      continue;
    }
    if (constantThroughIdentity(ir, node.input[0])) {
      skipped.push({ node: id, reason: 'input is a constant' });
      continue;
    }
    if (seen.has(w.name)) continue;
    const dims = tensorDims(w.tensor);
    const axis = reductionAxis(node.opType as SparseOp, dims, attrInt(node, 'transB', 0) === 1);
    if (axis === undefined) {
      skipped.push({ node: id, reason: `a ${dims.length}-D ${node.opType} weight (only 2-D Gemm/MatMul weights and Conv/ConvTranspose kernels)` });
      continue;
    }
    seen.add(w.name);
    const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const per = dims[axis]! * inner;
    // Conv: output = the index along axis 0; Gemm/MatMul with K first: the column; K last: the row;
    // ConvTranspose W[C, O/g, k…]: the index along axis 1, offset by the group its input channel is in.
    let outputOf: (i: number) => number;
    let outputs: number;
    if (node.opType === 'ConvTranspose') {
      const groups = Math.max(1, attrInt(node, 'group', 1));
      const perGroup = dims[1]!;
      const kernel = inner / perGroup;
      const inPerGroup = dims[0]! / groups;
      outputOf = (i) => Math.floor(Math.floor(i / inner) / inPerGroup) * perGroup + (Math.floor(i / kernel) % perGroup);
      outputs = perGroup * groups;
    } else if (node.opType === 'Conv' || axis === 1) {
      outputOf = (i) => Math.floor(i / per);
      outputs = dims[0]!;
    } else {
      outputOf = (i) => i % inner;
      outputs = dims[1]!;
    }
    layers.push({ node: id, op: node.opType as SparseOp, weight: w.name, dims, axis, outer, inner, outputOf, outputs });
  }
  return { layers, skipped };
}

function reductionAxis(op: SparseOp, dims: readonly number[], transB: boolean): number | undefined {
  if (op === 'Conv') return dims.length >= 3 ? 1 : undefined;
  if (op === 'ConvTranspose') return dims.length >= 3 ? 0 : undefined;
  if (dims.length !== 2) return undefined;
  return op === 'Gemm' && transB ? 1 : 0;
}

/** Calls `visit(indices)` for every block of `m` consecutive weights along the layer's input axis. */
export function forEachBlock(layer: SparseLayer, m: number, visit: (indices: Int32Array) => void): void {
  const c = layer.dims[layer.axis]!;
  const block = new Int32Array(m);
  for (let o = 0; o < layer.outer; o++) {
    for (let start = 0; start + m <= c; start += m) {
      for (let k = 0; k < layer.inner; k++) {
        for (let j = 0; j < m; j++) block[j] = (o * c + start + j) * layer.inner + k;
        visit(block);
      }
    }
  }
}

/** Whether the layer's input width allows N:M blocks of size `m`. */
export function allowsBlocks(layer: SparseLayer, m: number): boolean {
  return layer.dims[layer.axis]! % m === 0;
}
