// Shape rules for ops that change sizes by a known amount: Pad, Resize/Upsample, Expand, Tile,
// Reduce*, ArgMax/ArgMin, ConstantOfShape, Range.
import { TensorDataType } from '../../onnx/proto.js';
import { attrInt, attrInts, attrTensor, hasAttr } from '../attributes.js';
import type { Dim } from '../shapes.js';
import { axesOf } from './layout-ops.js';
import type { ShapeRule } from './context.js';
import { broadcast, isNum, mulDim, normAxis, product, ShapeUnknown, UNKNOWN } from './dims.js';
import { tensorValues } from './values.js';

/** Pad: pads as attribute (< 11) or input 1 (≥ 11), optional axes input 3 (≥ 18). */
export const pad: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const pads = ctx.opset >= 11 ? ctx.ints(1, 'pads') : attrInts(ctx.node, ctx.opset >= 2 ? 'pads' : 'paddings');
  const axes = (ctx.opset >= 18 ? ctx.optionalInts(3, 'axes') : undefined)?.map((a) => normAxis(a, x.length)) ?? x.map((_, i) => i);
  const shape = [...x];
  axes.forEach((axis, i) => {
    const d = shape[axis]!;
    const extra = pads[i]! + pads[i + axes.length]!;
    shape[axis] = isNum(d) ? d + extra : extra === 0 ? d : UNKNOWN;
  });
  return [{ shape, dataType: ctx.dtype(0) }];
};

function scaled(x: Dim[], scales: number[]): Dim[] {
  if (scales.length !== x.length) throw new ShapeUnknown(`${scales.length} scales for a rank-${x.length} input`);
  return x.map((d, i) => (scales[i] === 1 ? d : isNum(d) ? Math.floor(d * scales[i]!) : UNKNOWN));
}

/** Resize: sizes when given, else floor(dim × scale); input layout changed in opsets 11 and 13. */
export const resize: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const dataType = ctx.dtype(0);
  const scalesIndex = ctx.opset >= 11 ? 2 : 1;
  const sizes = ctx.opset >= 11 && ctx.has(3) ? ctx.values(3) : undefined;
  const axes = attrInts(ctx.node, 'axes').map((a) => normAxis(a, x.length));
  if (sizes && sizes.length > 0) {
    if (!axes.length) return [{ shape: sizes, dataType }];
    const shape = [...x];
    axes.forEach((a, i) => (shape[a] = sizes[i]!));
    return [{ shape, dataType }];
  }
  if (ctx.has(3) && !sizes) throw new ShapeUnknown(`sizes "${ctx.node.input[3]}" is not a known constant`);
  const scales = ctx.ints(scalesIndex, 'scales');
  if (!axes.length) return [{ shape: scaled(x, scales), dataType }];
  const full = x.map(() => 1);
  axes.forEach((a, i) => (full[a] = scales[i]!));
  return [{ shape: scaled(x, full), dataType }];
};

/** Upsample (opsets 7–9): scales attribute (7) or input 1 (9). */
export const upsample: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const scales = hasAttr(ctx.node, 'scales')
    ? ctx.node.attribute.find((a) => a.name === 'scales')!.floats
    : ctx.ints(1, 'scales');
  return [{ shape: scaled(x, [...scales]), dataType: ctx.dtype(0) }];
};

/** Expand: numpy broadcast of the input with the requested shape. */
export const expand: ShapeRule = (ctx) => {
  const target = ctx.values(1);
  if (!target) throw new ShapeUnknown(`shape "${ctx.node.input[1]}" is not a known constant`);
  return [{ shape: broadcast(ctx.shape(0), target), dataType: ctx.dtype(0) }];
};

/** Tile: each dim × repeats. */
export const tile: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const repeats = ctx.values(1);
  if (!repeats) throw new ShapeUnknown(`repeats "${ctx.node.input[1]}" is not a known constant`);
  return [{ shape: x.map((d, i) => mulDim(d, repeats[i] ?? 1)), dataType: ctx.dtype(0) }];
};

/** Ops whose axes moved from attribute to input 1, and the opset where that happened. */
const AXES_INPUT_FROM: Record<string, number> = { ReduceSum: 13 };

/** ReduceMean/Sum/Max/...: axes attribute or input (13 for ReduceSum, 18 for the others); keepdims. */
export const reduce: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axes = axesOf(ctx, AXES_INPUT_FROM[ctx.node.opType] ?? 18, 1)?.map((a) => normAxis(a, x.length));
  const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
  let reduced: Set<number>;
  if (axes && axes.length) reduced = new Set(axes);
  else if (attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1) return [{ shape: x, dataType: ctx.dtype(0) }];
  else reduced = new Set(x.map((_, i) => i));
  const shape = keep ? x.map((d, i) => (reduced.has(i) ? 1 : d)) : x.filter((_, i) => !reduced.has(i));
  let values: Dim[] | undefined;
  const v = ctx.values(0);
  if (ctx.node.opType === 'ReduceProd' && v && x.length === 1) values = [product(v)];
  return [{ shape, dataType: ctx.dtype(0), values }];
};

/** ArgMax / ArgMin: one axis removed (or kept as 1); int64 output. */
export const argReduce: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), x.length);
  const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
  const shape = keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis);
  return [{ shape, dataType: TensorDataType.INT64 }];
};

/** ConstantOfShape: the shape is the input's values; small results keep their values. */
export const constantOfShape: ShapeRule = (ctx) => {
  const shape = ctx.values(0);
  if (!shape) throw new ShapeUnknown(`shape "${ctx.node.input[0]}" is not a known constant`);
  const value = attrTensor(ctx.node, 'value');
  const fill = value ? tensorValues(value)?.[0] ?? UNKNOWN : 0;
  const n = product(shape);
  const values = isNum(n) && n <= 64 ? new Array<Dim>(n).fill(fill) : undefined;
  return [{ shape, dataType: value?.dataType ?? TensorDataType.FLOAT, values }];
};

/** Range(start, limit, delta): length max(ceil((limit − start) / delta), 0). */
export const range: ShapeRule = (ctx) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => ctx.values(i)?.[0]);
  if (!isNum(start) || !isNum(limit) || !isNum(delta) || delta === 0) {
    return [{ shape: [UNKNOWN], dataType: ctx.dtype(0) }];
  }
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  const values = n <= 64 ? Array.from({ length: n }, (_, i) => start + i * delta) : undefined;
  return [{ shape: [n], dataType: ctx.dtype(0), values }];
};
