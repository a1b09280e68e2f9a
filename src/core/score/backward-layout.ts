// Backward rules of the layout and pooling operators: Concat/Split, reshapes, Transpose, MaxPool,
// AveragePool, global pools, ReduceMean, and the indexing ops Gather (constant indices), Expand, Where.
import { attrInt, attrInts, attrString } from '../graph/attributes.js';
import type { BackwardContext, BackwardRule } from './backward-context.js';
import { adjointConvAttrs, axisOf, maskGrad, range, resolvePads, shapeOf, staticDims, unbroadcast, unsupported } from './backward-context.js';
import { knownInts } from '../graph/shapes.js';
import type { BackwardRuleId } from '../graph/op-traits.js';

const gY = (ctx: BackwardContext): string => ctx.gradOut[0]!;

/** Concat: each input gets its slice of the gradient along the axis. */
const concat: BackwardRule = (ctx) => {
  const rank = shapeOf(ctx, ctx.node.output[0]!).length;
  const axis = axisOf(ctx, 0, rank);
  let offset = 0;
  return ctx.node.input.map((name, i) => {
    const size = axis === 0 ? -1 : staticDims(ctx, name)[axis]!;
    if (size < 0) unsupported(ctx, `the size of input ${i} along axis ${axis} is not fixed`);
    const start = offset;
    offset += size;
    if (!ctx.needs[i]) return undefined;
    const b = ctx.b;
    return b.op('Slice', [gY(ctx), b.ints('starts', [1], [start]), b.ints('ends', [1], [start + size]), b.ints('axes', [1], [axis])]);
  });
};

/** Split: the gradients of the pieces concatenated (zeros for pieces that do not reach the loss). */
const split: BackwardRule = (ctx) => {
  const rank = shapeOf(ctx, ctx.node.input[0]!).length;
  const axis = axisOf(ctx, 0, rank);
  const parts = ctx.node.output.map((out, i) => ctx.gradOut[i] ?? ctx.b.op('Mul', [out, ctx.b.scalar(0)], {}, 'zeros'));
  return [ctx.b.op('Concat', parts, { axis })];
};

/** Reshape-like ops: reshape the gradient back to the input's shape. */
const reshapeBack: BackwardRule = (ctx) => {
  const x = ctx.node.input[0]!;
  return [ctx.b.op('Reshape', [gY(ctx), ctx.b.op('Shape', [x])]), ...ctx.node.input.slice(1).map(() => undefined)];
};

/** Transpose: transpose the gradient by the inverse permutation. */
const transpose: BackwardRule = (ctx) => {
  const rank = shapeOf(ctx, ctx.node.input[0]!).length;
  const perm = attrInts(ctx.node, 'perm', Array.from({ length: rank }, (_, i) => rank - 1 - i));
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => (inverse[p] = i));
  return [ctx.b.op('Transpose', [gY(ctx)], { perm: inverse })];
};

interface PoolGeometry {
  channels: number;
  inSize: number[];
  outSize: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: { begin: number[]; end: number[] };
}

function poolGeometry(ctx: BackwardContext): PoolGeometry {
  const xDims = staticDims(ctx, ctx.node.input[0]!);
  if (xDims.length !== 4) unsupported(ctx, 'only 2-D pooling (NCHW) is supported');
  const inSize = xDims.slice(2);
  const outSize = staticDims(ctx, ctx.node.output[0]!).slice(2);
  const kernel = attrInts(ctx.node, 'kernel_shape');
  const strides = attrInts(ctx.node, 'strides', [1, 1]);
  const dilations = attrInts(ctx.node, 'dilations', [1, 1]);
  const pads = resolvePads(attrString(ctx.node, 'auto_pad', 'NOTSET'), attrInts(ctx.node, 'pads'), inSize, kernel, strides, dilations);
  return { channels: xDims[1]!, inSize, outSize, kernel, strides, dilations, pads };
}

/** Depthwise ConvTranspose that scatters window contributions back onto the input grid. */
function scatterWindows(ctx: BackwardContext, g: string, weight: string, geo: PoolGeometry): string {
  const adj = adjointConvAttrs(geo.inSize, geo.outSize, geo.kernel, geo.strides, geo.dilations, geo.pads);
  return ctx.b.op('ConvTranspose', [g, weight], {
    kernel_shape: geo.kernel, strides: geo.strides, dilations: geo.dilations, group: geo.channels, pads: adj.pads, output_padding: adj.output_padding,
  });
}

/**
 * MaxPool: the gradient goes to the element each window picked. A depthwise Conv with one-hot
 * kernels lays each window's elements side by side (exact: one product by 1, the others by 0),
 * positions outside the input read −∞, and the first element equal to the window's maximum is the
 * one picked — what MaxPool's Indices output names, but without it: onnxruntime-web's WebGPU MaxPool
 * computes no Indices, so training a model with MaxPool failed there. A depthwise ConvTranspose with
 * the same one-hot kernels scatters the masked gradients back (summing where windows overlap, which
 * plain ScatterElements before opset 16 cannot do).
 */
const maxPool: BackwardRule = (ctx) => {
  const geo = poolGeometry(ctx);
  const [H, W] = geo.inSize as [number, number];
  const [OH, OW] = geo.outSize as [number, number];
  const [KH, KW] = geo.kernel as [number, number];
  const K = KH * KW;
  const C = geo.channels;
  const b = ctx.b;
  const outside = new Float32Array(K * OH * OW);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const h = oh * geo.strides[0]! + kh * geo.dilations[0]! - geo.pads.begin[0]!;
          const w = ow * geo.strides[1]! + kw * geo.dilations[1]! - geo.pads.begin[1]!;
          if (!(h >= 0 && h < H && w >= 0 && w < W)) outside[((kh * KW + kw) * OH + oh) * OW + ow] = -Infinity;
        }
      }
    }
  }
  const oneHot = new Float32Array(C * K * K);
  for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) oneHot[(c * K + k) * K + k] = 1;
  const weight = b.floats('onehot', [C * K, 1, KH, KW], oneHot);
  // ceil_mode windows run past the padded input: pad the Conv's end so it gives the same OH × OW (those taps read −∞ above).
  const endPads = geo.pads.end.map((p, i) => p + Math.max(0, (geo.outSize[i]! - 1) * geo.strides[i]! + (geo.kernel[i]! - 1) * geo.dilations[i]! + 1 - (geo.inSize[i]! + geo.pads.begin[i]! + p)));
  const windows = b.op('Conv', [ctx.node.input[0]!, weight], { kernel_shape: geo.kernel, strides: geo.strides, dilations: geo.dilations, group: C, pads: [...geo.pads.begin, ...endPads] });
  const shape5 = (k: number) => b.ints('shape', [5], [0, C, k, OH, OW]);
  const candidates = b.op('Add', [b.op('Reshape', [windows, shape5(K)]), b.floats('outside', [K, OH, OW], outside)]);
  const isMax = b.op('Cast', [b.op('Equal', [candidates, b.op('Reshape', [ctx.node.output[0]!, shape5(1)])])], { to: 1 });
  const first = b.op('ArgMax', [isMax], { axis: 2, keepdims: 1 });
  const picked = b.op('Equal', [first, b.ints('offsets', [K, 1, 1], Array.from({ length: K }, (_, k) => k))]);
  const masked = b.op('Reshape', [maskGrad(ctx, picked, b.op('Reshape', [gY(ctx), shape5(1)])), b.ints('shape', [4], [0, C * K, OH, OW])]);
  return [scatterWindows(ctx, masked, weight, geo)];
};

/** AveragePool: each window's gradient divided by its divisor, spread evenly over the window. */
const averagePool: BackwardRule = (ctx) => {
  const geo = poolGeometry(ctx);
  const [H, W] = geo.inSize as [number, number];
  const [OH, OW] = geo.outSize as [number, number];
  const [KH, KW] = geo.kernel as [number, number];
  const includePad = attrInt(ctx.node, 'count_include_pad', 0) === 1;
  const divisor = new Float32Array(OH * OW);
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      const h0 = oh * geo.strides[0]! - geo.pads.begin[0]!;
      const w0 = ow * geo.strides[1]! - geo.pads.begin[1]!;
      const lo = includePad ? [-geo.pads.begin[0]!, -geo.pads.begin[1]!] : [0, 0];
      const hi = includePad ? [H + geo.pads.end[0]!, W + geo.pads.end[1]!] : [H, W];
      const hs = Math.min(h0 + KH, hi[0]!) - Math.max(h0, lo[0]!);
      const ws = Math.min(w0 + KW, hi[1]!) - Math.max(w0, lo[1]!);
      divisor[oh * OW + ow] = Math.max(1, hs * ws);
    }
  }
  const g = ctx.b.op('Div', [gY(ctx), ctx.b.floats('divisor', [OH, OW], divisor)]);
  const ones = ctx.b.floats('ones', [geo.channels, 1, KH, KW], new Float32Array(geo.channels * KH * KW).fill(1));
  return [scatterWindows(ctx, g, ones, geo)];
};

/** GlobalAveragePool: the gradient broadcast over the plane, divided by its area. */
const globalAveragePool: BackwardRule = (ctx) => {
  const x = ctx.node.input[0]!;
  const area = staticDims(ctx, x).slice(2).reduce((a, d) => a * d, 1);
  const spread = ctx.b.op('Expand', [gY(ctx), ctx.b.op('Shape', [x])]);
  return [ctx.b.op('Div', [spread, ctx.b.scalar(area)])];
};

/** GlobalMaxPool: the gradient goes to the positions equal to the maximum. */
const globalMaxPool: BackwardRule = (ctx) => {
  const x = ctx.node.input[0]!;
  const isMax = ctx.b.op('Equal', [x, ctx.node.output[0]!]);
  return [maskGrad(ctx, isMax, ctx.b.op('Expand', [gY(ctx), ctx.b.op('Shape', [x])]))];
};

/**
 * ReduceMean over fixed-size axes (exporters' `x.mean([2, 3])`, LayerNorm's mean over the last axis, a
 * token mean): broadcast back, divide by the count. Other axes may have any size (the batch).
 */
const reduceMean: BackwardRule = (ctx) => {
  const x = ctx.node.input[0]!;
  const xShape = shapeOf(ctx, x);
  const rank = xShape.length;
  const axesInput = ctx.opset >= 18 ? ctx.node.input[1] : undefined;
  let axes = axesInput ? knownInts(ctx.shapes, axesInput) : attrInts(ctx.node, 'axes');
  if (!axes) unsupported(ctx, `the axes ("${axesInput}") must be a constant`);
  if (!axes.length) axes = range(0, rank);
  axes = axes.map((a) => (a < 0 ? a + rank : a));
  const sizes = axes.map((a) => xShape[a]!);
  if (sizes.some((d) => typeof d !== 'number')) unsupported(ctx, `reduced axes ${JSON.stringify(axes)} of "${x}" are ${JSON.stringify(sizes)}; the count needs fixed sizes`);
  const count = (sizes as number[]).reduce((p, d) => p * d, 1);
  let g = gY(ctx);
  if (attrInt(ctx.node, 'keepdims', 1) === 0) g = unsqueeze(ctx, g, axes);
  return [ctx.b.op('Div', [ctx.b.op('Expand', [g, ctx.b.op('Shape', [x])]), ctx.b.scalar(count)]), undefined];
};

/** Unsqueeze at `axes` (attribute before opset 13, input from 13). */
function unsqueeze(ctx: BackwardContext, t: string, axes: number[]): string {
  if (ctx.opset >= 13) return ctx.b.op('Unsqueeze', [t, ctx.b.ints('axes', [axes.length], axes)]);
  return ctx.b.op('Unsqueeze', [t], { axes });
}

/**
 * Gather with constant indices (the class token `x[:, 0]`, q/k/v picked from a packed tensor): the
 * index axes of ∂Y are moved last and flattened, and multiplied by the one-hot matrix of the indices,
 * which scatters each row back (summing rows picked twice); the result's last axis is moved back to
 * `axis`. Only the gathered axis needs a fixed size.
 */
const gather: BackwardRule = (ctx) => {
  const [x, indices] = ctx.node.input as [string, string];
  const xShape = shapeOf(ctx, x);
  const rank = xShape.length;
  const axis = axisOf(ctx, 0, rank);
  const size = xShape[axis];
  const picked = knownInts(ctx.shapes, indices);
  if (!picked) unsupported(ctx, `the indices ("${indices}") must be a constant`);
  if (typeof size !== 'number') unsupported(ctx, `axis ${axis}, gathered along, has no fixed size`);
  const q = shapeOf(ctx, indices).length;
  const oneHot = new Float32Array(picked.length * size);
  picked.forEach((p, i) => (oneHot[i * size + (p < 0 ? p + size : p)] = 1));
  const b = ctx.b;
  // ∂Y is x's shape with `axis` replaced by the q index axes: [before, I, after] → [before, after, I] → [before, after, |I|].
  const gRank = rank - 1 + q;
  const toEnd = [...range(0, axis), ...range(axis + q, gRank), ...range(axis, axis + q)];
  const flat = b.op('Reshape', [b.op('Transpose', [gY(ctx)], { perm: toEnd }), b.ints('shape', [rank], [...new Array<number>(rank - 1).fill(0), picked.length])]);
  const scattered = b.op('MatMul', [flat, b.floats('onehot', [picked.length, size], oneHot)]);
  const back = [...range(0, axis), rank - 1, ...range(axis, rank - 1)];
  return [b.op('Transpose', [scattered], { perm: back }), undefined];
};

/** Expand: the gradient summed over the axes the input was broadcast along (a class token repeated over the batch). */
const expand: BackwardRule = (ctx) => [unbroadcast(ctx, gY(ctx), ctx.node.input[0]!, ctx.node.output[0]!), undefined];

/** Where: the gradient goes to X where the condition holds and to Y elsewhere (the condition has none). */
const where: BackwardRule = (ctx) => {
  const [cond, x, y] = ctx.node.input as [string, string, string];
  const out = ctx.node.output[0]!;
  const zero = ctx.b.scalar(0);
  return [
    undefined,
    ctx.needs[1] ? unbroadcast(ctx, ctx.b.op('Where', [cond, gY(ctx), zero]), x, out) : undefined,
    ctx.needs[2] ? unbroadcast(ctx, ctx.b.op('Where', [cond, zero, gY(ctx)]), y, out) : undefined,
  ];
};

/** Rules for layout and pooling ops by rule id (op-traits says which op uses which), merged into BACKWARD_RULES. */
export const LAYOUT_RULES = {
  concat, split, reshape: reshapeBack, transpose, maxPool, averagePool, globalAveragePool, globalMaxPool, reduceMean, gather, expand, where,
} satisfies Partial<Record<BackwardRuleId, BackwardRule>>;
