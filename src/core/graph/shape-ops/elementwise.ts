// Shape rules for ops whose output has the shape of an input (activations, normalization, casts)
// or the numpy broadcast of their inputs (Add, Mul, Where, ...). Binary arithmetic also folds
// known small integer values, so shape arithmetic such as `size(2) * size(3)` stays known.
import { TensorDataType } from '../../onnx/proto.js';
import { attrInt } from '../attributes.js';
import type { Dim } from '../shapes.js';
import type { ShapeRule } from './context.js';
import { addDim, broadcast, divDim, isNum, mulDim, product, subDim, UNKNOWN } from './dims.js';

/** Output 0 (and any extra outputs, e.g. Dropout's mask) take input 0's shape and type. */
export const sameAsInput: ShapeRule = (ctx) => {
  const shape = ctx.shape(0);
  return ctx.node.output.map((_, i) => ({
    shape,
    dataType: i === 0 ? ctx.dtype(0) : TensorDataType.BOOL,
    values: i === 0 ? ctx.values(0) : undefined,
  }));
};

const unaryFolds: Record<string, (x: number) => number> = {
  Neg: (x) => -x,
  Abs: Math.abs,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Relu: (x) => Math.max(x, 0),
};

/** Same shape and type as input 0; known values are folded for the few ops shape arithmetic uses. */
export const unary: ShapeRule = (ctx) => {
  const fold = unaryFolds[ctx.node.opType];
  const v = ctx.values(0);
  const values = fold && v ? v.map((d) => (isNum(d) ? fold(d) : UNKNOWN)) : undefined;
  return [{ shape: ctx.shape(0), dataType: ctx.dtype(0), values }];
};

/** BatchNormalization in inference mode; training-mode extra outputs are per-channel vectors. */
export const batchNorm: ShapeRule = (ctx) => {
  const shape = ctx.shape(0);
  return ctx.node.output.map((_, i) => (i === 0 ? { shape, dataType: ctx.dtype(0) } : { shape: [shape[1] ?? UNKNOWN], dataType: ctx.dtype(0) }));
};

/** LayerNormalization: Y like X; Mean / InvStdDev keep the leading dims and 1 for the normalized ones. */
export const layerNorm: ShapeRule = (ctx) => {
  const shape = ctx.shape(0);
  let axis = attrInt(ctx.node, 'axis', -1);
  if (axis < 0) axis += shape.length;
  const stats = shape.map((d, i) => (i < axis ? d : 1));
  return ctx.node.output.map((_, i) => ({ shape: i === 0 ? shape : stats, dataType: i === 0 ? ctx.dtype(0) : TensorDataType.FLOAT }));
};

/** Cast: same shape, the `to` type; values survive (integer shape math casts back and forth). */
export const cast: ShapeRule = (ctx) => [{ shape: ctx.shape(0), dataType: attrInt(ctx.node, 'to', 0), values: ctx.values(0) }];

type Fold = (a: Dim, b: Dim) => Dim;

/**
 * Equal on dims. A symbol is a size, never negative: exporters compare the target of
 * `x.expand(n, -1, -1)` with -1 element-wise (Where(Equal(shape, -1), 1, shape)).
 */
function equalDims(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return Number(a === b);
  if (a === UNKNOWN || b === UNKNOWN) return UNKNOWN;
  if (a === b) return 1;
  return (isNum(a) && a < 0) || (isNum(b) && b < 0) ? 0 : UNKNOWN;
}

const folds: Record<string, Fold> = {
  Add: addDim,
  Sub: subDim,
  Mul: mulDim,
  Div: divDim,
  Max: (a, b) => (isNum(a) && isNum(b) ? Math.max(a, b) : UNKNOWN),
  Min: (a, b) => (isNum(a) && isNum(b) ? Math.min(a, b) : UNKNOWN),
  Equal: equalDims,
  // Integer Mod (fmod=0) takes the divisor's sign, like Python: Swin's window padding is (7 - H % 7) % 7.
  Mod: (a, b) => (isNum(a) && isNum(b) && b !== 0 ? ((a % b) + b) % b : UNKNOWN),
};

/** Mod with fmod=1 is C's fmod: the dividend's sign. */
const fmod: Fold = (a, b) => (isNum(a) && isNum(b) && b !== 0 ? a % b : UNKNOWN);

const comparisons = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Not']);

/** Element-wise values of a broadcast op over two small known tensors (scalars or same size). */
function foldValues(fold: Fold, a: Dim[] | undefined, b: Dim[] | undefined, outSize: Dim): Dim[] | undefined {
  if (!a || !b || !isNum(outSize) || outSize > 64) return undefined;
  if (a.length !== b.length && a.length !== 1 && b.length !== 1) return undefined;
  const out: Dim[] = [];
  for (let i = 0; i < outSize; i++) out.push(fold(a[a.length === 1 ? 0 : i]!, b[b.length === 1 ? 0 : i]!));
  return out;
}

/** Add/Sub/Mul/Div/Pow/Max/Min/Equal/... with numpy broadcasting over any number of inputs. */
export const broadcastOp: ShapeRule = (ctx) => {
  let shape = ctx.shape(0);
  for (let i = 1; i < ctx.inputCount; i++) if (ctx.has(i)) shape = broadcast(shape, ctx.shape(i));
  const op = ctx.node.opType;
  const dataType = comparisons.has(op) ? TensorDataType.BOOL : ctx.dtype(0) ?? ctx.dtype(1);
  const fold = op === 'Mod' && attrInt(ctx.node, 'fmod', 0) === 1 ? fmod : folds[op];
  const values = fold && ctx.inputCount === 2 ? foldValues(fold, ctx.values(0), ctx.values(1), product(shape)) : undefined;
  return [{ shape, dataType, values }];
};

/** Where(cond, x, y): broadcast of all three; the type of x. */
export const where: ShapeRule = (ctx) => {
  const shape = broadcast(broadcast(ctx.shape(0), ctx.shape(1)), ctx.shape(2));
  const [c, x, y] = [ctx.values(0), ctx.values(1), ctx.values(2)];
  let values: Dim[] | undefined;
  if (c && x && y && isNum(product(shape))) {
    const n = product(shape) as number;
    const at = (v: Dim[], i: number) => v[v.length === 1 ? 0 : i]!;
    if ([c, x, y].every((v) => v.length === 1 || v.length === n)) {
      values = Array.from({ length: n }, (_, i) => (at(c, i) === UNKNOWN ? UNKNOWN : at(c, i) ? at(x, i) : at(y, i)));
    }
  }
  return [{ shape, dataType: ctx.dtype(1) ?? ctx.dtype(2), values }];
};
