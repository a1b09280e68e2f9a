// Backward rules of the operators dense heads are built from: ConvTranspose (decoders), Resize and
// Upsample (nearest and linear), constant Pad and Slice. All of them are linear in their data input,
// so each rule emits the transpose of that linear map.
import { attrInt, attrInts, attrString, hasAttr } from '../graph/attributes.js';
import { constantTensor } from '../graph/ir.js';
import { knownInts } from '../graph/shapes.js';
import { tensorToNumbers } from '../onnx/tensor.js';
import type { BackwardContext, BackwardRule } from './backward-context.js';
import { shapeOf, staticDims, unsupported } from './backward-context.js';
import type { BackwardRuleId } from '../graph/op-traits.js';
import { weightGradient } from './backward-conv.js';
import { channelBiasGradient } from './backward-weights.js';

const gY = (ctx: BackwardContext): string => ctx.gradOut[0]!;

/**
 * Rejects gradients into the float inputs the rule treats as constants (weights, a pad value). The
 * index inputs (sizes, pads, starts…) carry no gradient: exporters compute them from Shape of an
 * activation, so they may "depend" on it, and are simply not differentiated.
 */
function onlyData(ctx: BackwardContext, indexInputs: number[] = []): void {
  ctx.needs.forEach((need, i) => {
    if (need && i > 0 && !indexInputs.includes(i)) unsupported(ctx, `input ${i} ("${ctx.node.input[i]}") depends on the activation, but only input 0 may`);
  });
}

/**
 * ConvTranspose is the adjoint of a Conv with the same weight, strides, pads, dilations and group,
 * so its own adjoint is that Conv: the ConvTranspose weight [C_in, C_out/g, k…] is already the
 * Conv weight layout for mapping C_out channels back to C_in. The output_padding rows are never read.
 * Its weight gradient is a Conv's with the roles of image and gradient swapped (backward-weights.ts).
 */
const convTranspose: BackwardRule = (ctx) => {
  const x = ctx.node.input[0]!;
  const w = ctx.node.input[1]!;
  const n = staticDims(ctx, x).length - 2;
  const autoPad = attrString(ctx.node, 'auto_pad', 'NOTSET');
  if (hasAttr(ctx.node, 'output_shape') || (autoPad !== 'NOTSET' && autoPad !== 'VALID')) {
    unsupported(ctx, 'output_shape and SAME auto_pad split the padding differently across runtimes; re-export with explicit pads');
  }
  const wShape = staticDims(ctx, w, 0);
  const kernel = attrInts(ctx.node, 'kernel_shape', wShape.slice(2));
  const strides = attrInts(ctx.node, 'strides', new Array<number>(n).fill(1));
  const dilations = attrInts(ctx.node, 'dilations', new Array<number>(n).fill(1));
  const pads = autoPad === 'VALID' ? new Array<number>(2 * n).fill(0) : attrInts(ctx.node, 'pads', new Array<number>(2 * n).fill(0));
  const group = attrInt(ctx.node, 'group', 1);
  return [
    ctx.needs[0] ? ctx.b.op('Conv', [gY(ctx), w], { kernel_shape: kernel, strides, dilations, pads, group }) : undefined,
    ctx.needs[1] ? weightGradient(ctx, { image: gY(ctx), grad: x, imageDims: staticDims(ctx, ctx.node.output[0]!), gradDims: staticDims(ctx, x), group, kernel, strides, dilations, padsBegin: pads.slice(0, n), padsEnd: pads.slice(n) }) : undefined,
    ctx.needs[2] ? channelBiasGradient(ctx) : undefined,
  ];
};

/** The original-image coordinate of output index `o` along one axis (ONNX Resize's transformation modes). */
function sourceCoordinate(mode: string, o: number, scale: number, inSize: number, outSize: number): number {
  switch (mode) {
    case 'half_pixel': return (o + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel': return outSize > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return outSize === 1 ? 0 : (o * (inSize - 1)) / (outSize - 1);
    case 'asymmetric': return o / scale;
    case 'half_pixel_symmetric': {
      const adjustment = outSize / (scale * inSize);
      const offset = (inSize / 2) * (1 - adjustment);
      return offset + (o + 0.5) / scale - 0.5;
    }
    default: throw new Error(mode);
  }
}

function nearestIndex(rounding: string, x: number): number {
  switch (rounding) {
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    case 'round_prefer_ceil': return Math.round(x);
    default: return Number.isInteger(x - 0.5) ? Math.floor(x) : Math.round(x); // round_prefer_floor
  }
}

/**
 * The interpolation matrix of one axis, [outSize, inSize] row-major: row o holds the weights with
 * which output o mixes the inputs (onnxruntime's rules: coordinates clamped into the input).
 */
export function interpolationMatrix(mode: 'nearest' | 'linear', transform: string, rounding: string, scale: number, inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const x = sourceCoordinate(transform, o, scale, inSize, outSize);
    if (mode === 'nearest') {
      m[o * inSize + Math.min(inSize - 1, Math.max(0, nearestIndex(rounding, x)))] = 1;
      continue;
    }
    const c = Math.min(inSize - 1, Math.max(0, x));
    const lo = Math.min(inSize - 1, Math.floor(c));
    const hi = Math.min(inSize - 1, lo + 1);
    const frac = lo === hi ? 0.5 : c - lo;
    m[o * inSize + lo] = m[o * inSize + lo]! + (1 - frac);
    m[o * inSize + hi] = m[o * inSize + hi]! + frac;
  }
  return m;
}

interface ResizeSpec {
  mode: 'nearest' | 'linear';
  transform: string;
  rounding: string;
  /** Scale per axis (1 for axes left alone). */
  scales: number[];
}

/** Resize (opset ≥ 11: roi, scales, sizes inputs; 10: scales input) and Upsample (asymmetric). */
function resizeSpec(ctx: BackwardContext, rank: number): ResizeSpec {
  const node = ctx.node;
  const mode = attrString(node, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') unsupported(ctx, `mode "${mode}" is not supported (nearest and linear are)`);
  if (attrInt(node, 'antialias', 0)) unsupported(ctx, 'antialias is not supported');
  const isResize = node.opType === 'Resize';
  const transform = isResize && ctx.opset >= 11 ? attrString(node, 'coordinate_transformation_mode', 'half_pixel') : 'asymmetric';
  if (!['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'half_pixel_symmetric'].includes(transform)) {
    unsupported(ctx, `coordinate_transformation_mode "${transform}" is not supported`);
  }
  const rounding = isResize && ctx.opset >= 11 ? attrString(node, 'nearest_mode', 'round_prefer_floor') : 'floor';
  const inDims = staticDims(ctx, node.input[0]!);
  const outDims = staticDims(ctx, node.output[0]!);
  const scalesInput = node.input[isResize && ctx.opset >= 11 ? 2 : 1];
  const scalesTensor = scalesInput ? constantTensor(ctx.ir, scalesInput) : undefined;
  let given = scalesTensor ? Array.from(tensorToNumbers(scalesTensor)) : node.opType === 'Upsample' ? attrFloats(ctx, 'scales') : [];
  const axes = attrInts(node, 'axes').map((a) => (a < 0 ? a + rank : a));
  if (given.length && axes.length) {
    const full = new Array<number>(rank).fill(1);
    axes.forEach((a, i) => (full[a] = given[i]!));
    given = full;
  }
  const scales = inDims.map((d, i) => (given.length === rank ? given[i]! : d < 0 ? 1 : outDims[i]! / d));
  return { mode, transform, rounding, scales };
}

function attrFloats(ctx: BackwardContext, name: string): number[] {
  return [...(ctx.node.attribute.find((a) => a.name === name)?.floats ?? [])];
}

/**
 * Resize/Upsample: separable per axis, y = A_H · x · A_Wᵀ per plane, so ∂x = A_Hᵀ · ∂y · A_W as two
 * MatMuls with the interpolation matrices (exact for any scale, integer or not). Only the last two
 * axes may be resized.
 */
const resize: BackwardRule = (ctx) => {
  onlyData(ctx, [1, 2, 3]);
  const x = ctx.node.input[0]!;
  const rank = shapeOf(ctx, x).length;
  const spec = resizeSpec(ctx, rank);
  const inDims = staticDims(ctx, x);
  const outDims = staticDims(ctx, ctx.node.output[0]!);
  let g = gY(ctx);
  for (let axis = 0; axis < rank; axis++) {
    if (inDims[axis] === outDims[axis] && spec.scales[axis] === 1) continue;
    if (axis < rank - 2) unsupported(ctx, `axis ${axis} is resized; only the last two axes may be`);
    const matrix = interpolationMatrix(spec.mode, spec.transform, spec.rounding, spec.scales[axis]!, inDims[axis]!, outDims[axis]!);
    const a = ctx.b.floats('interp', [outDims[axis]!, inDims[axis]!], matrix);
    // Last axis: ∂y [.., out] · A [out, in]. Second-last: Aᵀ [in, out] · ∂y [.., out, W].
    g = axis === rank - 1 ? ctx.b.op('MatMul', [g, a]) : ctx.b.op('MatMul', [ctx.b.op('Transpose', [a], { perm: [1, 0] }), g]);
  }
  return [g];
};

/** Pad in constant mode: the gradient is the slice of ∂y that covers the input (zero-padded back where pads were negative). */
const pad: BackwardRule = (ctx) => {
  onlyData(ctx, [1, 3]);
  const mode = attrString(ctx.node, 'mode', 'constant');
  if (mode !== 'constant') unsupported(ctx, `mode "${mode}" is not supported (only constant padding)`);
  const x = ctx.node.input[0]!;
  const dims = staticDims(ctx, x);
  const rank = dims.length;
  const padsName = ctx.opset >= 11 ? ctx.node.input[1] : undefined;
  const raw = ctx.opset >= 11 ? (padsName ? knownInts(ctx.shapes, padsName) : undefined) : attrInts(ctx.node, ctx.opset >= 2 ? 'pads' : 'paddings');
  if (!raw) unsupported(ctx, 'the pads must be a constant');
  const axesName = ctx.opset >= 18 ? ctx.node.input[3] : undefined;
  const axes = axesName ? knownInts(ctx.shapes, axesName)?.map((a) => (a < 0 ? a + rank : a)) : Array.from({ length: rank }, (_, i) => i);
  if (!axes) unsupported(ctx, 'the axes must be a constant');
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begin[a] = raw[i]!;
    end[a] = raw[i + axes.length]!;
  });
  let g = gY(ctx);
  if (begin.some((p) => p < 0) || end.some((p) => p < 0)) {
    // Negative pads cropped the input: those positions get zero gradient.
    const back = [...begin.map((p) => Math.max(0, -p)), ...end.map((p) => Math.max(0, -p))];
    g = ctx.b.op('Pad', [g, ctx.b.ints('pads', [2 * rank], back)]);
  }
  const sliced = axes.filter((a) => begin[a]! > 0 || end[a]! > 0);
  if (!sliced.length) return [g];
  if (sliced.some((a) => dims[a]! < 0)) unsupported(ctx, 'the batch axis is padded');
  const starts = sliced.map((a) => Math.max(0, begin[a]!));
  const ends = sliced.map((a, i) => starts[i]! + dims[a]!);
  const b = ctx.b;
  return [b.op('Slice', [g, b.ints('starts', [sliced.length], starts), b.ints('ends', [sliced.length], ends), b.ints('axes', [sliced.length], sliced)])];
};

/** The input positions a Slice reads along an axis of size d, in output order (ONNX's clamping for either sign of step). */
function slicePositions(d: number, start: number, end: number, step: number): number[] {
  const wrap = (v: number) => (v < 0 ? v + d : v);
  const s = step > 0 ? Math.min(d, Math.max(0, wrap(start))) : Math.min(d - 1, Math.max(-1, wrap(start)));
  const e = step > 0 ? Math.min(d, Math.max(0, wrap(end))) : Math.min(d - 1, Math.max(-1, wrap(end)));
  const out: number[] = [];
  for (let p = s; step > 0 ? p < e : p > e; p += step) out.push(p);
  return out;
}

/**
 * Slice with steps (Swin's patch merging x[:, 0::2, 1::2]): per sliced axis, ∂Y along it times the
 * 0/1 selection matrix [out, in] of the positions read, the axis swapped last for the MatMul and back.
 */
function stridedSliceGradient(ctx: BackwardContext, dims: number[], axes: number[], starts: number[], ends: number[], steps: number[]): string {
  const rank = dims.length;
  let g = gY(ctx);
  axes.forEach((a, i) => {
    const d = dims[a]!;
    if (d < 0) unsupported(ctx, `axis ${a}, sliced with a step, has no fixed size`);
    const picked = slicePositions(d, starts[i]!, ends[i]!, steps[i] ?? 1);
    const select = new Float32Array(picked.length * d);
    picked.forEach((p, j) => (select[j * d + p] = 1));
    const swap = Array.from({ length: rank }, (_, k) => (k === a ? rank - 1 : k === rank - 1 ? a : k));
    const moved = a === rank - 1 ? g : ctx.b.op('Transpose', [g], { perm: swap });
    const spread = ctx.b.op('MatMul', [moved, ctx.b.floats('select', [picked.length, d], select)]);
    g = a === rank - 1 ? spread : ctx.b.op('Transpose', [spread], { perm: swap });
  });
  return g;
}

/** Slice: with unit steps, the gradient zero-padded back to the input's extent (a Slice over the whole of an axis of any size is no cut); with other steps, scattered back by selection matrices. */
const slice: BackwardRule = (ctx) => {
  onlyData(ctx, [1, 2, 3, 4]);
  const x = ctx.node.input[0]!;
  // Only the sliced axes need fixed sizes (seq-first attention slices [T, batch, 3·D] on the last axis).
  const dims = shapeOf(ctx, x).map((d) => (typeof d === 'number' ? d : -1));
  const rank = dims.length;
  const read = (i: number, attr: string): number[] | undefined => {
    if (ctx.opset < 10) return hasAttr(ctx.node, attr) ? attrInts(ctx.node, attr) : undefined;
    const name = ctx.node.input[i];
    if (!name) return undefined;
    const v = knownInts(ctx.shapes, name);
    if (!v) unsupported(ctx, `${attr} ("${name}") must be a constant`);
    return v;
  };
  const starts = read(1, 'starts');
  const ends = read(2, 'ends');
  if (!starts || !ends) unsupported(ctx, 'starts and ends must be constants');
  const axes = (read(3, 'axes') ?? starts.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
  const steps = read(4, 'steps');
  if (steps?.some((s) => s !== 1)) return [stridedSliceGradient(ctx, dims, axes, starts, ends, steps)];
  const pads = new Array<number>(2 * rank).fill(0);
  axes.forEach((a, i) => {
    const d = dims[a]!;
    if (d < 0) {
      if (starts[i] === 0 && ends[i]! >= 2 ** 31 - 1) return;
      unsupported(ctx, `axis ${a}, sliced, has no fixed size`);
    }
    const clamp = (v: number) => Math.min(d, Math.max(0, v < 0 ? v + d : v));
    const s = clamp(starts[i]!);
    const e = clamp(ends[i]!);
    if (s === 0 && e >= d) return;
    pads[a] = s;
    pads[a + rank] = d - Math.max(s, e);
  });
  if (pads.every((p) => p === 0)) return [gY(ctx)];
  return [ctx.b.op('Pad', [gY(ctx), ctx.b.ints('pads', [2 * rank], pads)])];
};

/** Rules for dense-head ops by rule id (op-traits says which op uses which), merged into BACKWARD_RULES. */
export const DENSE_RULES = { convTranspose, resize, pad, slice } satisfies Partial<Record<BackwardRuleId, BackwardRule>>;
