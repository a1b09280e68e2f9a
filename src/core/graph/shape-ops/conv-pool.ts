// Shape rules for convolutions, pooling and matrix products: the ops that carry the MACs.
import { TensorDataType } from '../../onnx/proto.js';
import { attrInt, attrInts, attrString } from '../attributes.js';
import type { Dim } from '../shapes.js';
import type { OpContext, ShapeRule } from './context.js';
import { broadcast, isNum, mulDim, ShapeUnknown, UNKNOWN } from './dims.js';

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Begin pads then end pads, as ONNX stores them. */
  pads: number[];
  autoPad: string;
}

function windowOf(ctx: OpContext, spatial: number, kernel: number[]): Window {
  if (kernel.length !== spatial) throw new ShapeUnknown(`kernel has ${kernel.length} dims but the input has ${spatial} spatial dims`);
  const ones = new Array<number>(spatial).fill(1);
  return {
    kernel,
    strides: attrInts(ctx.node, 'strides', ones),
    dilations: attrInts(ctx.node, 'dilations', ones),
    pads: attrInts(ctx.node, 'pads', new Array<number>(spatial * 2).fill(0)),
    autoPad: attrString(ctx.node, 'auto_pad', 'NOTSET'),
  };
}

/**
 * Output size of a sliding window along one axis. ceil_mode follows PyTorch and onnxruntime: a
 * last window that would start inside the end padding is dropped.
 */
function windowOut(size: Dim, w: Window, i: number, ceilMode: boolean): Dim {
  if (!isNum(size)) return UNKNOWN;
  const s = w.strides[i]!;
  const span = (w.kernel[i]! - 1) * w.dilations[i]! + 1;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return Math.ceil(size / s);
  if (w.autoPad === 'VALID') return Math.floor((size - span) / s) + 1;
  const begin = w.pads[i]!;
  const padded = size + begin + w.pads[i + w.kernel.length]!;
  if (!ceilMode) return Math.floor((padded - span) / s) + 1;
  let out = Math.ceil((padded - span) / s) + 1;
  if ((out - 1) * s >= size + begin) out--;
  return out;
}

/** Conv: [N, C, *spatial] * W[M, C/group, *k] → [N, M, *out]. */
export const conv: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const w = ctx.shape(1);
  const kernel = attrInts(ctx.node, 'kernel_shape', w.slice(2).filter(isNum));
  const win = windowOf(ctx, x.length - 2, kernel);
  const spatial = x.slice(2).map((d, i) => windowOut(d, win, i, false));
  return [{ shape: [x[0]!, w[0]!, ...spatial], dataType: ctx.dtype(0) }];
};

/** ConvTranspose: W[C, M/group, *k]; output_shape wins, else s·(in−1) + output_padding + span − pads. */
export const convTranspose: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const w = ctx.shape(1);
  const n = x.length - 2;
  const channels = mulDim(w[1]!, attrInt(ctx.node, 'group', 1));
  const outputShape = attrInts(ctx.node, 'output_shape');
  if (outputShape.length) return [{ shape: [x[0]!, channels, ...outputShape.slice(-n)], dataType: ctx.dtype(0) }];
  const win = windowOf(ctx, n, attrInts(ctx.node, 'kernel_shape', w.slice(2).filter(isNum)));
  const outPad = attrInts(ctx.node, 'output_padding', new Array<number>(n).fill(0));
  const spatial = x.slice(2).map((d, i): Dim => {
    if (!isNum(d)) return UNKNOWN;
    const s = win.strides[i]!;
    if (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') return d * s;
    const span = (win.kernel[i]! - 1) * win.dilations[i]! + 1;
    const pads = win.autoPad === 'VALID' ? 0 : win.pads[i]! + win.pads[i + n]!;
    return s * (d - 1) + outPad[i]! + span - pads;
  });
  return [{ shape: [x[0]!, channels, ...spatial], dataType: ctx.dtype(0) }];
};

/** MaxPool / AveragePool / LpPool (MaxPool's optional Indices output has the same shape). */
export const pool: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const win = windowOf(ctx, x.length - 2, attrInts(ctx.node, 'kernel_shape'));
  const ceil = attrInt(ctx.node, 'ceil_mode', 0) === 1;
  const shape = [x[0]!, x[1]!, ...x.slice(2).map((d, i) => windowOut(d, win, i, ceil))];
  return ctx.node.output.map((_, i) => ({ shape, dataType: i === 0 ? ctx.dtype(0) : TensorDataType.INT64 }));
};

/** GlobalAveragePool / GlobalMaxPool: spatial dims become 1. */
export const globalPool: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  return [{ shape: x.map((d, i) => (i < 2 ? d : 1)), dataType: ctx.dtype(0) }];
};

/** Gemm: op(A)[M, K] · op(B)[K, N] → [M, N]. */
export const gemm: ShapeRule = (ctx) => {
  const a = ctx.shape(0);
  const b = ctx.shape(1);
  if (a.length !== 2 || b.length !== 2) throw new ShapeUnknown('Gemm needs 2-D A and B');
  const m = attrInt(ctx.node, 'transA', 0) ? a[1]! : a[0]!;
  const n = attrInt(ctx.node, 'transB', 0) ? b[0]! : b[1]!;
  return [{ shape: [m, n], dataType: ctx.dtype(0) }];
};

/** MatMul with numpy semantics: 1-D operands get a dim added then removed, batch dims broadcast. */
export const matMul: ShapeRule = (ctx) => {
  const a = ctx.shape(0);
  const b = ctx.shape(1);
  if (a.length === 0 || b.length === 0) throw new ShapeUnknown('MatMul operands must not be scalars');
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const batch = broadcast(a2.slice(0, -2), b2.slice(0, -2));
  const shape = [...batch, ...(a.length === 1 ? [] : [a2[a2.length - 2]!]), ...(b.length === 1 ? [] : [b2[b2.length - 1]!])];
  return [{ shape, dataType: ctx.dtype(0) }];
};
