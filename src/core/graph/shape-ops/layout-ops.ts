// Shape rules for ops that move data around without computing on it: Reshape, Flatten, Transpose,
// Squeeze, Unsqueeze, Concat, Split, Slice, Gather, Shape. Each also carries known values of small
// integer tensors, which is what makes exporter-emitted Shape→Gather→Unsqueeze→Concat→Reshape
// chains resolve.
import { TensorDataType } from '../../onnx/proto.js';
import { attrInt, attrInts, hasAttr } from '../attributes.js';
import type { Dim, TensorInfo } from '../shapes.js';
import type { OpContext, ShapeRule } from './context.js';
import { sliceValues, transposeValues, type AxisRange } from './value-ops.js';
import { addDim, divDim, isNum, normAxis, product, ShapeUnknown, UNKNOWN } from './dims.js';

/** Axes from the `axes` attribute (older opsets) or from input `inputIndex` (newer ones). */
export function axesOf(ctx: OpContext, inputFromOpset: number, inputIndex: number): number[] | undefined {
  if (ctx.opset >= inputFromOpset) return ctx.optionalInts(inputIndex, 'axes');
  return hasAttr(ctx.node, 'axes') ? attrInts(ctx.node, 'axes') : undefined;
}

/** Reshape: 0 copies the input dim (unless allowzero=1), one -1 takes what is left. */
export const reshape: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const target = ctx.opset >= 5 ? ctx.values(1) : attrInts(ctx.node, 'shape');
  if (!target) throw new ShapeUnknown(`target shape "${ctx.node.input[1]}" is not a known constant`);
  const allowZero = attrInt(ctx.node, 'allowzero', 0) === 1;
  const out = target.map((d, i): Dim => (d === 0 && !allowZero ? input[i] ?? UNKNOWN : d));
  const free = out.indexOf(-1);
  if (free >= 0) {
    const rest = out.filter((_, i) => i !== free);
    out[free] = divDim(product(input), product(rest));
  }
  return [{ shape: out, dataType: ctx.dtype(0), values: ctx.values(0) }];
};

/** Flatten: [prod(dims before axis), prod(dims from axis)]. */
export const flatten: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axis = attrInt(ctx.node, 'axis', 1);
  const a = axis < 0 ? axis + x.length : axis;
  return [{ shape: [product(x.slice(0, a)), product(x.slice(a))], dataType: ctx.dtype(0), values: ctx.values(0) }];
};

/** Transpose: perm defaults to reversing the dims. */
export const transpose: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const perm = attrInts(ctx.node, 'perm', x.map((_, i) => x.length - 1 - i));
  const v = ctx.values(0);
  const values = v && x.every(isNum) ? transposeValues(v, x, perm) : undefined;
  return [{ shape: perm.map((p) => x[p] ?? UNKNOWN), dataType: ctx.dtype(0), values }];
};

/** Squeeze: axes attribute before opset 13, input from 13; without axes every 1 goes. */
export const squeeze: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axes = axesOf(ctx, 13, 1)?.map((a) => normAxis(a, x.length));
  if (!axes && !x.every(isNum)) throw new ShapeUnknown('Squeeze without axes on a shape with dynamic dims');
  const shape = axes ? x.filter((_, i) => !axes.includes(i)) : x.filter((d) => d !== 1);
  return [{ shape, dataType: ctx.dtype(0), values: ctx.values(0) }];
};

/** Unsqueeze: axes attribute before opset 13, input from 13; axes index the output. */
export const unsqueeze: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axes = axesOf(ctx, 13, 1);
  if (!axes) throw new ShapeUnknown('Unsqueeze has no axes');
  const rank = x.length + axes.length;
  const at = new Set(axes.map((a) => normAxis(a, rank)));
  const shape: Dim[] = [];
  for (let i = 0, j = 0; i < rank; i++) shape.push(at.has(i) ? 1 : x[j++] ?? UNKNOWN);
  return [{ shape, dataType: ctx.dtype(0), values: ctx.values(0) }];
};

/** Concat along `axis`; 1-D known values are concatenated too (shape vectors). */
export const concat: ShapeRule = (ctx) => {
  const shapes = ctx.node.input.map((_, i) => ctx.shape(i));
  const first = shapes[0]!;
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), first.length);
  // Other dims must agree; take a known one where the first input's is "?".
  const shape = first.map((d, i) => (d === UNKNOWN ? shapes.find((s) => s[i] !== UNKNOWN)?.[i] ?? d : d));
  shape[axis] = shapes.reduce<Dim>((total, s) => addDim(total, s[axis] ?? UNKNOWN), 0);
  let values: Dim[] | undefined;
  if (first.length === 1) {
    const all = ctx.node.input.map((_, i) => ctx.values(i));
    if (all.every((v) => v)) values = all.flatMap((v) => v!);
  }
  return [{ shape, dataType: ctx.dtype(0), values }];
};

/** Split: sizes from the `split` attribute (< 13) or input (≥ 13), else equal parts (num_outputs in 18). */
export const split: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), x.length);
  const outputs = ctx.node.output.length;
  let sizes = ctx.opset >= 13 ? ctx.optionalInts(1, 'split') : attrInts(ctx.node, 'split');
  if (!sizes || sizes.length === 0) {
    const d = x[axis]!;
    if (!isNum(d)) throw new ShapeUnknown('Split of a dynamic dim into equal parts');
    const n = attrInt(ctx.node, 'num_outputs', outputs);
    const chunk = Math.ceil(d / n);
    sizes = Array.from({ length: outputs }, (_, i) => Math.max(0, Math.min(chunk, d - i * chunk)));
  }
  return sizes.map((s) => ({ shape: x.map((d, i) => (i === axis ? s : d)), dataType: ctx.dtype(0) }));
};

/** Elements ONNX Slice keeps along one axis of size `dim`. */
function sliceRange(dim: Dim, start: number, end: number, step: number): { len: Dim; start?: number } {
  if (!isNum(dim)) {
    // Only "the whole axis" is known for a symbolic dim (exporters use INT64_MAX for "to the end").
    if (step === 1 && start === 0 && end >= 2 ** 31 - 1) return { len: dim, start: 0 };
    return { len: UNKNOWN };
  }
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = clamp(s, 0, dim);
    e = clamp(e, 0, dim);
  } else {
    s = clamp(s, 0, dim - 1);
    e = clamp(e, -1, dim - 1);
  }
  return { len: Math.max(0, Math.ceil((e - s) / step)), start: s };
}

/** Slice: starts/ends/axes/steps as attributes before opset 10, as inputs from 10. */
export const slice: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const fromInputs = ctx.opset >= 10;
  const starts = fromInputs ? ctx.ints(1, 'starts') : attrInts(ctx.node, 'starts');
  const ends = fromInputs ? ctx.ints(2, 'ends') : attrInts(ctx.node, 'ends');
  const axes = (fromInputs ? ctx.optionalInts(3, 'axes') : attrInts(ctx.node, 'axes', [])) ?? [];
  const steps = (fromInputs ? ctx.optionalInts(4, 'steps') : undefined) ?? [];
  const shape = [...x];
  const ranges: { axis: number; start?: number; step: number; len: Dim }[] = [];
  starts.forEach((start, i) => {
    const axis = normAxis(axes.length ? axes[i]! : i, x.length);
    const step = steps[i] ?? 1;
    if (step === 0) throw new ShapeUnknown('Slice step is 0');
    const r = sliceRange(x[axis]!, start, ends[i]!, step);
    shape[axis] = r.len;
    ranges.push({ axis, step, ...r });
  });
  const v = ctx.values(0);
  const known = ranges.every((r): r is AxisRange => r.start !== undefined && isNum(r.len));
  const values = v && known && x.every(isNum) ? sliceValues(v, x, ranges) : undefined;
  return [{ shape, dataType: ctx.dtype(0), values }];
};

/** Gather: data[:axis] + indices.shape + data[axis+1:]; known values when both are known. */
export const gather: ShapeRule = (ctx) => {
  const data = ctx.shape(0);
  const indices = ctx.shape(1);
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), data.length);
  const shape = [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
  const v = ctx.values(0);
  const idx = ctx.values(1);
  let values: Dim[] | undefined;
  if (v && idx && data.length === 1 && idx.every(isNum)) {
    values = idx.map((i) => v[i < 0 ? i + v.length : i] ?? UNKNOWN);
  }
  return [{ shape, dataType: ctx.dtype(0), values }];
};

/** Shape: the input's dims as an int64 vector (start/end from opset 15); the values are the dims. */
export const shapeOf: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const rank = x.length;
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + rank : i, 0), rank);
  const start = clampIdx(attrInt(ctx.node, 'start', 0));
  const end = clampIdx(attrInt(ctx.node, 'end', rank));
  const values = x.slice(start, Math.max(start, end));
  return [{ shape: [values.length], dataType: TensorDataType.INT64, values }];
};

/** Size: number of elements as an int64 scalar. */
export const size: ShapeRule = (ctx) => [{ shape: [], dataType: TensorDataType.INT64, values: [product(ctx.shape(0))] }];

/** Identity / Dropout-in-eval helper: input 0 passes through with its values. */
export const identity: ShapeRule = (ctx): TensorInfo[] => [{ shape: ctx.shape(0), dataType: ctx.dtype(0), values: ctx.values(0) }];
