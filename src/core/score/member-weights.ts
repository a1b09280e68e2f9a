// The real values of a weight a channel group slices. Quantized models store weights as 8-bit
// integers with a scale and zero point (per tensor or per output channel): magnitudes must be
// taken on (q − zero_point) · scale, or a channel with a small scale would look as important as
// one with a large scale.
import type { SliceMember } from '../graph/channels/types.js';
import { attrInt } from '../graph/attributes.js';
import { constantThroughIdentity, type GraphIR } from '../graph/ir.js';
import { tensorDims, tensorToFloat32 } from '../onnx/tensor.js';

type Node = SliceMember['node'];

/**
 * The weight scale of ConvInteger/MatMulInteger, which is applied after them: onnxruntime's
 * dynamic quantization writes Cast(to float) → Mul(·, x_scale · w_scale), w_scale a constant.
 */
function integerLayerScale(ir: GraphIR, node: Node): string | undefined {
  const only = (name: string | undefined) => {
    const uses = name ? ir.consumers.get(name) : undefined;
    return uses?.length === 1 ? uses[0]!.node : undefined;
  };
  const cast = only(node.output[0]);
  const mul = cast?.opType === 'Cast' ? only(cast.output[0]) : undefined;
  if (mul?.opType !== 'Mul') return undefined;
  const other = mul.input.find((i) => i !== cast!.output[0]);
  if (!other) return undefined;
  if (constantThroughIdentity(ir, other)) return other;
  const product = ir.producer.get(other);
  return product?.opType === 'Mul' ? product.input.find((i) => constantThroughIdentity(ir, i)) : undefined;
}

/** Where the scale and zero point of a quantized weight input are, by consumer op. */
const QUANTIZED_WEIGHTS: Readonly<Record<string, { input: number; scale?: number; zeroPoint: number; axis: (rank: number, node: Node) => number }>> = {
  DequantizeLinear: { input: 0, scale: 1, zeroPoint: 2, axis: (rank, node) => { const a = attrInt(node, 'axis', 1); return a < 0 ? a + rank : a; } },
  QLinearConv: { input: 3, scale: 4, zeroPoint: 5, axis: () => 0 },
  QLinearMatMul: { input: 3, scale: 4, zeroPoint: 5, axis: () => 1 },
  // The integer layers' scale is applied by a Mul after them (integerLayerScale).
  ConvInteger: { input: 1, zeroPoint: 3, axis: () => 0 },
  MatMulInteger: { input: 1, zeroPoint: 3, axis: () => 1 },
};

const scaleTensor = (ir: GraphIR, name: string | undefined) => {
  const t = name ? constantThroughIdentity(ir, name)?.tensor : undefined;
  return t ? tensorToFloat32(t) : undefined;
};

/** Dims and real values of the constant a slice member reads (dequantized when it is a quantized weight). */
export function memberWeight(ir: GraphIR, m: SliceMember): { dims: number[]; values: Float32Array } | undefined {
  const t = constantThroughIdentity(ir, m.node.input[m.inputIndex])?.tensor;
  if (!t) return undefined;
  const dims = tensorDims(t);
  const values = tensorToFloat32(t);
  const q = QUANTIZED_WEIGHTS[m.node.opType];
  if (!q || q.input !== m.inputIndex) return { dims, values };
  const param = (index: number | undefined) => scaleTensor(ir, index === undefined ? undefined : m.node.input[index]);
  const scale = q.scale !== undefined ? param(q.scale) : scaleTensor(ir, integerLayerScale(ir, m.node));
  const zeroPoint = param(q.zeroPoint);
  const axis = q.axis(dims.length, m.node);
  const inner = dims.slice(axis + 1).reduce((a, d) => a * d, 1);
  const along = dims[axis] ?? 1;
  const real = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    // Per-axis parameters have one entry per index along `axis`; per-tensor ones a single entry.
    const k = Math.floor(i / inner) % along;
    const s = scale ? (scale.length > 1 ? scale[k]! : scale[0]!) : 1;
    const z = zeroPoint ? (zeroPoint.length > 1 ? zeroPoint[k]! : zeroPoint[0]!) : 0;
    real[i] = (values[i]! - z) * s;
  }
  return { dims, values: real };
}
