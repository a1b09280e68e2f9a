// Which layers low-rank factorisation can rewrite, their weight as an out×in matrix, and what a
// rank costs: Gemm (transA = 0, alpha = beta = 1) and MatMul with a constant 2-D float weight, and
// Conv with group = 1 (the matrix is out × in·kh·kw; rank r becomes a k×k conv to r channels and a
// 1×1 conv). Dense MACs are positions·out·in, factorised positions·r·(out + in), so a layer only
// gains below its break-even rank ⌊(out·in − 1)/(out + in)⌋.
import { attrFloat, attrInt } from '../graph/attributes.js';
import { constantThroughIdentity, type GraphIR } from '../graph/ir.js';
import { inferShapes, type ShapeOptions } from '../graph/shapes.js';
import { batchDimOf, nodeMacs } from '../metrics/macs.js';
import type { NodeProto } from '../onnx/proto.js';
import { TensorDataType } from '../onnx/proto.js';
import { tensorDims, tensorToFloat32 } from '../onnx/tensor.js';

export type FactorisableOp = 'Gemm' | 'MatMul' | 'Conv';

export interface LowRankCandidate {
  node: NodeProto;
  /** GraphIR.nodeId. */
  id: string;
  op: FactorisableOp;
  out: number;
  in: number;
  /** The weight as an out×in row-major matrix (a copy). */
  matrix: Float32Array;
  /** Conv: kernel dims; [] otherwise. */
  kernel: number[];
  /** Per-sample MACs of the dense layer. */
  macs: number;
  /** Per-sample MACs per unit of rank once factorised (macs·(out + in)/(out·in)). */
  macsPerRank: number;
  /** Largest rank that still lowers MACs (≥ 1). */
  breakEven: number;
}

/** Layers that could be factorised, and why the others of those op types cannot. */
export function lowRankCandidates(ir: GraphIR, shapeOptions: ShapeOptions = {}): { candidates: LowRankCandidate[]; skipped: { node: string; reason: string }[] } {
  const shapes = inferShapes(ir, shapeOptions);
  const firstInput = ir.inputs[0]?.name;
  const batch = batchDimOf(firstInput ? shapes.tensors.get(firstInput)?.shape : undefined);
  const candidates: LowRankCandidate[] = [];
  const skipped: { node: string; reason: string }[] = [];
  for (const node of ir.nodes) {
    if (node.opType !== 'Gemm' && node.opType !== 'MatMul' && node.opType !== 'Conv') continue;
    if (node.domain && node.domain !== 'ai.onnx') continue;
    const id = ir.nodeId.get(node) ?? node.name;
    const result = candidateOf(ir, node, id);
    if (typeof result === 'string') {
      skipped.push({ node: id, reason: result });
      continue;
    }
    const count = nodeMacs(node, shapes, batch);
    if (!('macs' in count)) {
      skipped.push({ node: id, reason: `MACs unknown (${count.unknown})` });
      continue;
    }
    const { out, in: inn } = result;
    const breakEven = Math.floor((out * inn - 1) / (out + inn));
    if (breakEven < 1) {
      skipped.push({ node: id, reason: `a ${out}×${inn} weight cannot get cheaper by rank` });
      continue;
    }
    candidates.push({ ...result, node, id, macs: count.macs, macsPerRank: (count.macs * (out + inn)) / (out * inn), breakEven });
  }
  return { candidates, skipped };
}

function candidateOf(ir: GraphIR, node: NodeProto, id: string): Pick<LowRankCandidate, 'op' | 'out' | 'in' | 'matrix' | 'kernel'> | string {
  const w = constantThroughIdentity(ir, node.input[1]);
  if (!w) return 'weight is not a constant';
  if (w.tensor.dataType !== TensorDataType.FLOAT) return 'weight is not float32 (fp16 and quantized weights are not factorised)';
  if (ir.initializers.has(node.input[0] ?? '') || constantThroughIdentity(ir, node.input[0])) return 'input is a constant';
  const dims = tensorDims(w.tensor);
  const data = tensorToFloat32(w.tensor);
  switch (node.opType) {
    case 'Gemm': {
      if (attrInt(node, 'transA', 0) !== 0) return 'Gemm with transA = 1';
      if (attrFloat(node, 'alpha', 1) !== 1 || attrFloat(node, 'beta', 1) !== 1) return 'Gemm with alpha/beta ≠ 1';
      if (dims.length !== 2) return 'weight is not 2-D';
      const transB = attrInt(node, 'transB', 0) === 1;
      const [out, inn] = transB ? [dims[0]!, dims[1]!] : [dims[1]!, dims[0]!];
      return { op: 'Gemm', out, in: inn, matrix: transB ? Float32Array.from(data) : transpose(data, inn, out), kernel: [] };
    }
    case 'MatMul': {
      if (dims.length !== 2) return 'weight is not 2-D (batched MatMul)';
      const [inn, out] = [dims[0]!, dims[1]!];
      return { op: 'MatMul', out, in: inn, matrix: transpose(data, inn, out), kernel: [] };
    }
    case 'Conv': {
      if (attrInt(node, 'group', 1) !== 1) return 'grouped convolution';
      if (dims.length < 3) return `Conv weight of rank ${dims.length}`;
      const kernel = dims.slice(2);
      return { op: 'Conv', out: dims[0]!, in: dims[1]! * kernel.reduce((a, b) => a * b, 1), matrix: Float32Array.from(data), kernel };
    }
    default:
      return `${id}: not a factorisable op`;
  }
}

/** Transpose of a row-major rows×cols matrix. */
export function transpose(a: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}
