// Finds channels whose value is provably the same constant everywhere (GDP / network slimming
// leave many): an all-zero filter gives its bias, a BatchNorm with γ = 0 gives β, a ReLU turns a
// constant ≤ 0 into 0. Values are propagated forward per tensor and channel; NaN = not constant.
import type { NodeProto } from '../onnx/proto.js';
import { tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { attrFloat, attrInt, attrString } from '../graph/attributes.js';
import { constantTensor, constantThroughIdentity, type GraphIR } from '../graph/ir.js';
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import { segmentsLength } from '../graph/channels/segments.js';

/** Per tensor (that carries tracked channels): the constant value of each channel position, NaN when not constant. */
export type ConstantValues = Map<string, Float64Array>;

function constantBehind(ir: GraphIR, name: string | undefined): Float32Array | undefined {
  const found = constantThroughIdentity(ir, name);
  return found && tensorToFloat32(found.tensor);
}

const UNARY: Record<string, (v: number, n: NodeProto) => number> = {
  Relu: (v) => Math.max(v, 0),
  Identity: (v) => v,
  Dropout: (v) => v,
  Cast: (v) => v,
  Sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  Tanh: (v) => Math.tanh(v),
  LeakyRelu: (v, n) => (v >= 0 ? v : v * attrFloat(n, 'alpha', 0.01)),
  HardSigmoid: (v, n) => Math.min(1, Math.max(0, attrFloat(n, 'alpha', 0.2) * v + attrFloat(n, 'beta', 0.5))),
  HardSwish: (v) => v * Math.min(1, Math.max(0, v / 6 + 0.5)),
  GlobalAveragePool: (v) => v,
  GlobalMaxPool: (v) => v,
  MaxPool: (v) => v,
};

/** Value of every output channel of a producer whose filter is all zeros (its bias, or 0). */
function zeroFilterValues(ir: GraphIR, node: NodeProto, channels: number): Float64Array {
  const out = new Float64Array(channels).fill(NaN);
  const wName = node.input[1];
  const w = constantBehind(ir, wName);
  const t = wName ? constantTensor(ir, wName) : undefined;
  if (!w) return out;
  const dims = t ? tensorDims(t) : [];
  const bias = constantBehind(ir, node.input[2]);
  // Output channel o's weights: Conv [M, ...] rows; Gemm/MatMul columns unless transB.
  const columns = (node.opType === 'Gemm' && attrInt(node, 'transB', 0) === 0) || node.opType === 'MatMul';
  const convT = node.opType === 'ConvTranspose';
  if (convT || (columns && dims.length !== 2)) return out;
  const per = w.length / channels;
  for (let o = 0; o < channels; o++) {
    let zero = true;
    if (columns) for (let k = 0; zero && k < per; k++) zero = w[k * channels + o] === 0;
    else for (let k = 0; zero && k < per; k++) zero = w[o * per + k] === 0;
    if (zero) out[o] = node.opType === 'MatMul' ? 0 : (bias?.length === channels ? bias[o]! : bias?.length === 1 ? bias[0]! : 0);
  }
  return out;
}

/** Propagates per-channel constants through the tensors that carry tracked channels. */
export function constantChannelValues(analysis: ChannelAnalysis): ConstantValues {
  const { ir, layouts } = analysis;
  const values: ConstantValues = new Map();
  const get = (name: string | undefined) => (name ? values.get(name) : undefined);
  for (const node of ir.nodes) {
    const out = node.output[0];
    const layout = out ? layouts.get(out) : undefined;
    if (!out || !layout) continue;
    const n = segmentsLength(layout.segments);
    const x = get(node.input[0]);
    let v: Float64Array = new Float64Array(n).fill(NaN);
    const op = node.opType;
    if (op === 'Conv' || op === 'Gemm' || op === 'MatMul' || op === 'ConvTranspose') {
      v = zeroFilterValues(ir, node, n);
    } else if (op === 'BatchNormalization') {
      const [g, b, mean, variance] = [1, 2, 3, 4].map((i) => constantBehind(ir, node.input[i]));
      const eps = attrFloat(node, 'epsilon', 1e-5);
      if (g && b && mean && variance) {
        for (let c = 0; c < n; c++) v[c] = g[c] === 0 ? b[c]! : x ? ((x[c]! - mean[c]!) / Math.sqrt(variance[c]! + eps)) * g[c]! + b[c]! : NaN;
      }
    } else if (op === 'Clip' && x) {
      const lo = node.input[1] ? constantBehind(ir, node.input[1])?.[0] : undefined;
      const hi = node.input[2] ? constantBehind(ir, node.input[2])?.[0] : undefined;
      const min = lo ?? attrFloat(node, 'min', -Infinity);
      const max = hi ?? attrFloat(node, 'max', Infinity);
      for (let c = 0; c < n; c++) v[c] = Math.min(max, Math.max(min, x[c]!));
    } else if (UNARY[op] && x && x.length === n) {
      for (let c = 0; c < n; c++) v[c] = UNARY[op]!(x[c]!, node);
    } else if ((op === 'Add' || op === 'Mul' || op === 'Sub') && node.input.every((i) => layouts.has(i))) {
      const a = get(node.input[0]);
      const b = get(node.input[1]);
      if (a && b && a.length === n && b.length === n) for (let c = 0; c < n; c++) v[c] = op === 'Add' ? a[c]! + b[c]! : op === 'Sub' ? a[c]! - b[c]! : a[c]! * b[c]!;
    } else if (['Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Resize', 'Upsample'].includes(op) && x && x.length === n) {
      v = x.slice();
    } else if (op === 'Pad' && x && x.length === n && attrString(node, 'mode', 'constant') === 'constant' && !node.input[2]) {
      // Zero padding keeps only zero channels constant.
      for (let c = 0; c < n; c++) v[c] = x[c] === 0 ? 0 : NaN;
    } else if (op === 'Concat') {
      const parts = node.input.map((i) => get(i));
      if (parts.every((p) => p)) v = Float64Array.from(parts.flatMap((p) => Array.from(p!)));
    }
    values.set(out, v);
  }
  return values;
}
