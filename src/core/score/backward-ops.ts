// Backward rules of the linear, normalisation and elementwise operators: for each supported op, the
// ONNX ops that compute ∂C/∂input from ∂C/∂output (vector-Jacobian products).
import { attrFloat, attrInt, attrInts, attrString } from '../graph/attributes.js';
import type { BackwardContext, BackwardRule } from './backward-context.js';
import { maskGrad, range, resolvePads, shapeOf, staticDims, sumToShape, unbroadcast, unsupported } from './backward-context.js';
import { ATTENTION_RULES } from './backward-attention.js';
import { DENSE_RULES } from './backward-dense.js';
import { LAYOUT_RULES } from './backward-layout.js';
import { convDataGradient, weightGradient } from './backward-conv.js';
import { channelBiasGradient, WEIGHT_RULES } from './backward-weights.js';
import { rulesByOp, type BackwardRuleId } from '../graph/op-traits.js';
import { TensorDataType } from '../onnx/proto.js';
import { constantTensor } from '../graph/ir.js';
import { tensorToNumbers } from '../onnx/tensor.js';

const input = (ctx: BackwardContext, i: number): string => ctx.node.input[i]!;
const gY = (ctx: BackwardContext): string => ctx.gradOut[0]!;

/** Rejects gradients into inputs the rule treats as constants (weights). */
function onlyInputs(ctx: BackwardContext, allowed: number[]): void {
  ctx.needs.forEach((need, i) => {
    if (need && !allowed.includes(i)) unsupported(ctx, `input ${i} ("${input(ctx, i)}") depends on the activation, but only ${allowed.map((a) => `input ${a}`).join('/')} may (weights must be constant)`);
  });
}

/** Conv: ∂X the adjoint convolution, ∂W from the image's patches (both backward-conv.ts); ∂b for training (backward-weights.ts). */
const conv: BackwardRule = (ctx) => {
  const x = input(ctx, 0);
  const w = input(ctx, 1);
  const xDims = staticDims(ctx, x);
  const spatialIn = xDims.slice(2);
  const spatialOut = staticDims(ctx, ctx.node.output[0]!).slice(2);
  const wShape = staticDims(ctx, w, 0);
  const kernel = attrInts(ctx.node, 'kernel_shape', wShape.slice(2));
  const n = spatialIn.length;
  const strides = attrInts(ctx.node, 'strides', new Array<number>(n).fill(1));
  const dilations = attrInts(ctx.node, 'dilations', new Array<number>(n).fill(1));
  const group = attrInt(ctx.node, 'group', 1);
  const pads = resolvePads(attrString(ctx.node, 'auto_pad', 'NOTSET'), attrInts(ctx.node, 'pads'), spatialIn, kernel, strides, dilations);
  const out: (string | undefined)[] = [undefined, undefined, undefined];
  if (ctx.needs[0]) out[0] = convDataGradient(ctx, gY(ctx), w, wShape[0]!, { group, kernel, strides, dilations, pads, spatialIn, spatialOut });
  if (ctx.needs[1]) out[1] = weightGradient(ctx, { image: x, grad: gY(ctx), imageDims: xDims, gradDims: staticDims(ctx, ctx.node.output[0]!), group, kernel, strides, dilations, padsBegin: pads.begin, padsEnd: pads.end });
  if (ctx.needs[2]) out[2] = channelBiasGradient(ctx);
  return out;
};

/**
 * Gemm Y = α·op(A)·op(B) + β·C: ∂A = α·∂Y·op(B)ᵀ (transposed back when transA); ∂op(B) = α·op(A)ᵀ·∂Y,
 * so ∂B = α·op(A)ᵀ·∂Y, or its transpose α·∂Yᵀ·op(A) when transB; ∂C = β·∂Y summed over broadcast axes.
 */
const gemm: BackwardRule = (ctx) => {
  const [a, bIn] = [input(ctx, 0), input(ctx, 1)];
  const transA = attrInt(ctx.node, 'transA', 0);
  const transB = attrInt(ctx.node, 'transB', 0);
  const alpha = { float: attrFloat(ctx.node, 'alpha', 1) };
  const out: (string | undefined)[] = [undefined, undefined, undefined];
  if (ctx.needs[0]) {
    const g = ctx.b.op('Gemm', [gY(ctx), bIn], { alpha, transB: transB ? 0 : 1 });
    out[0] = transA ? ctx.b.op('Transpose', [g], { perm: [1, 0] }) : g;
  }
  if (ctx.needs[1]) {
    out[1] = transB
      ? ctx.b.op('Gemm', [gY(ctx), a], { alpha, transA: 1, transB: transA })
      : ctx.b.op('Gemm', [a, gY(ctx)], { alpha, transA: transA ? 0 : 1 });
  }
  if (ctx.needs[2]) {
    const beta = attrFloat(ctx.node, 'beta', 1);
    const g = beta === 1 ? gY(ctx) : ctx.b.op('Mul', [gY(ctx), ctx.b.scalar(beta)]);
    out[2] = unbroadcast(ctx, g, input(ctx, 2), ctx.node.output[0]!);
  }
  return out;
};

/** Transposes the last two axes of `t` (rank ≥ 2): the matrix transpose of a batch of matrices. */
function transposeLastTwo(ctx: BackwardContext, t: string, rank: number): string {
  const perm = [...range(0, rank - 2), rank - 1, rank - 2];
  return ctx.b.op('Transpose', [t], { perm });
}

/**
 * MatMul Y = A·B over the last two axes, batch axes broadcast: ∂A = ∂Y·Bᵀ and ∂B = Aᵀ·∂Y, each summed
 * over the batch axes its operand was broadcast along (attention's Q·Kᵀ and attn·V). For a 2-D right
 * operand (a Linear layer over tokens), ∂B flattens the left operand's leading dims into rows:
 * ∂B = A[-1, K]ᵀ · ∂Y[-1, M].
 */
const matmul: BackwardRule = (ctx) => {
  const [a, bIn] = [input(ctx, 0), input(ctx, 1)];
  const out: (string | undefined)[] = [undefined, undefined];
  const aShape = shapeOf(ctx, a);
  const bShape = shapeOf(ctx, bIn);
  if (aShape.length < 2 || bShape.length < 2) unsupported(ctx, 'a 1-D operand (matrix-vector product) is not supported');
  const batch = shapeOf(ctx, ctx.node.output[0]!).slice(0, -2);
  if (ctx.needs[0]) {
    const g = ctx.b.op('MatMul', [gY(ctx), transposeLastTwo(ctx, bIn, bShape.length)]);
    out[0] = sumToShape(ctx, g, [...batch, ...aShape.slice(-2)], a);
  }
  if (ctx.needs[1]) {
    if (bShape.length === 2 && aShape.length === 2) out[1] = ctx.b.op('MatMul', [ctx.b.op('Transpose', [a], { perm: [1, 0] }), gY(ctx)]);
    else if (bShape.length === 2) {
      const [k, m] = staticDims(ctx, bIn, 0) as [number, number];
      const rows = (t: string, cols: number) => ctx.b.op('Reshape', [t, ctx.b.ints('shape', [2], [-1, cols])]);
      out[1] = ctx.b.op('Gemm', [rows(a, k), rows(gY(ctx), m)], { transA: 1 });
    } else {
      const g = ctx.b.op('MatMul', [transposeLastTwo(ctx, a, aShape.length), gY(ctx)]);
      out[1] = sumToShape(ctx, g, [...batch, ...bShape.slice(-2)], bIn);
    }
  }
  return out;
};

const relu: BackwardRule = (ctx) => [maskGrad(ctx, ctx.b.op('Greater', [input(ctx, 0), ctx.b.scalar(0)]), gY(ctx))];

const leakyRelu: BackwardRule = (ctx) => {
  const alpha = attrFloat(ctx.node, 'alpha', 0.01);
  const scaled = ctx.b.op('Mul', [gY(ctx), ctx.b.scalar(alpha)]);
  return [ctx.b.op('Where', [ctx.b.op('Greater', [input(ctx, 0), ctx.b.scalar(0)]), gY(ctx), scaled])];
};

/** Clip: gradient passes strictly inside (min, max); bounds from inputs (opset ≥ 11) or attributes. */
const clip: BackwardRule = (ctx) => {
  onlyInputs(ctx, [0]);
  const x = input(ctx, 0);
  let lo = ctx.node.input[1] || undefined;
  let hi = ctx.node.input[2] || undefined;
  if (ctx.opset < 11) {
    lo = ctx.b.scalar(attrFloat(ctx.node, 'min', -3.4028234663852886e38));
    hi = ctx.b.scalar(attrFloat(ctx.node, 'max', 3.4028234663852886e38));
  }
  const conds: string[] = [];
  if (lo) conds.push(ctx.b.op('Greater', [x, lo]));
  if (hi) conds.push(ctx.b.op('Less', [x, hi]));
  if (!conds.length) return [gY(ctx)];
  const cond = conds.length === 2 ? ctx.b.op('And', conds) : conds[0]!;
  return [maskGrad(ctx, cond, gY(ctx))];
};

/** Sigmoid: ∂X = ∂Y · y(1 − y). */
const sigmoid: BackwardRule = (ctx) => {
  const y = ctx.node.output[0]!;
  const oneMinus = ctx.b.op('Sub', [ctx.b.scalar(1), y]);
  return [ctx.b.op('Mul', [gY(ctx), ctx.b.op('Mul', [y, oneMinus])])];
};

/** Tanh: ∂X = ∂Y · (1 − y²). */
const tanh: BackwardRule = (ctx) => {
  const y = ctx.node.output[0]!;
  return [ctx.b.op('Mul', [gY(ctx), ctx.b.op('Sub', [ctx.b.scalar(1), ctx.b.op('Mul', [y, y])])])];
};

/** HardSigmoid y = clip(αx + β, 0, 1): slope α strictly inside. */
const hardSigmoid: BackwardRule = (ctx) => {
  const alpha = attrFloat(ctx.node, 'alpha', 0.2);
  const beta = attrFloat(ctx.node, 'beta', 0.5);
  const t = ctx.b.op('Add', [ctx.b.op('Mul', [input(ctx, 0), ctx.b.scalar(alpha)]), ctx.b.scalar(beta)]);
  const inside = ctx.b.op('And', [ctx.b.op('Greater', [t, ctx.b.scalar(0)]), ctx.b.op('Less', [t, ctx.b.scalar(1)])]);
  return [maskGrad(ctx, inside, ctx.b.op('Mul', [gY(ctx), ctx.b.scalar(alpha)]))];
};

/** HardSwish y = x·clip(x/6 + ½, 0, 1): 0 below −3, 1 above 3, (2x + 3)/6 between. */
const hardSwish: BackwardRule = (ctx) => {
  const x = input(ctx, 0);
  const mid = ctx.b.op('Add', [ctx.b.op('Mul', [x, ctx.b.scalar(1 / 3)]), ctx.b.scalar(0.5)]);
  const upper = ctx.b.op('Where', [ctx.b.op('Greater', [x, ctx.b.scalar(3)]), ctx.b.scalar(1), mid]);
  const slope = ctx.b.op('Where', [ctx.b.op('Less', [x, ctx.b.scalar(-3)]), ctx.b.scalar(0), upper]);
  return [ctx.b.op('Mul', [gY(ctx), slope])];
};

const passThrough: BackwardRule = (ctx) => [gY(ctx)];

const FLOAT_TYPES = new Set<number>([TensorDataType.FLOAT, TensorDataType.FLOAT16, TensorDataType.DOUBLE, TensorDataType.BFLOAT16]);

/**
 * Cast between float types (the fp32 islands of fp16 models): the gradient is cast back to the
 * input's type. A cast from or to an integer type has no gradient.
 */
const cast: BackwardRule = (ctx) => {
  const from = ctx.shapes.tensors.get(input(ctx, 0))?.dataType;
  const to = attrInt(ctx.node, 'to', 0);
  if (from === undefined || !FLOAT_TYPES.has(from) || !FLOAT_TYPES.has(to)) unsupported(ctx, 'only a Cast between float types has a gradient');
  return [from === to ? gY(ctx) : ctx.b.op('Cast', [gY(ctx)], { to: from })];
};

const add: BackwardRule = (ctx) => ctx.node.input.map((name, i) => (ctx.needs[i] ? unbroadcast(ctx, gY(ctx), name, ctx.node.output[0]!) : undefined));

const sub: BackwardRule = (ctx) => {
  const y = ctx.node.output[0]!;
  return [
    ctx.needs[0] ? unbroadcast(ctx, gY(ctx), input(ctx, 0), y) : undefined,
    ctx.needs[1] ? ctx.b.op('Neg', [unbroadcast(ctx, gY(ctx), input(ctx, 1), y)]) : undefined,
  ];
};

/** Mul: ∂A = ∂Y·B, ∂B = ∂Y·A (covers SiLU exported as x·sigmoid(x)). */
const mul: BackwardRule = (ctx) => {
  const [a, bIn] = [input(ctx, 0), input(ctx, 1)];
  const y = ctx.node.output[0]!;
  return [
    ctx.needs[0] ? unbroadcast(ctx, ctx.b.op('Mul', [gY(ctx), bIn]), a, y) : undefined,
    ctx.needs[1] ? unbroadcast(ctx, ctx.b.op('Mul', [gY(ctx), a]), bIn, y) : undefined,
  ];
};

/** Div: ∂A = ∂Y/B, ∂B = −∂Y·y/B. */
const div: BackwardRule = (ctx) => {
  const [a, bIn] = [input(ctx, 0), input(ctx, 1)];
  const y = ctx.node.output[0]!;
  return [
    ctx.needs[0] ? unbroadcast(ctx, ctx.b.op('Div', [gY(ctx), bIn]), a, y) : undefined,
    ctx.needs[1] ? unbroadcast(ctx, ctx.b.op('Neg', [ctx.b.op('Div', [ctx.b.op('Mul', [gY(ctx), y]), bIn])]), bIn, y) : undefined,
  ];
};

/**
 * Pow with an exponent that does not depend on the activation (LayerNorm's decomposed variance):
 * ∂X = ∂Y·p·x^(p−1); p = 2, what exporters write, is ∂Y·2x.
 */
const pow: BackwardRule = (ctx) => {
  const [x, p] = [input(ctx, 0), input(ctx, 1)];
  if (ctx.needs[1]) unsupported(ctx, `the exponent "${p}" depends on the activation; only a gradient into the base is supported`);
  const exponent = constantTensor(ctx.ir, p);
  const values = exponent ? tensorToNumbers(exponent) : undefined;
  const b = ctx.b;
  let slope: string;
  if (values?.length === 1 && values[0] === 2) slope = b.op('Mul', [x, b.scalar(2)]);
  else {
    // An integer exponent (allowed from opset 12) is cast so the slope is computed in float.
    const pf = ctx.shapes.tensors.get(p)?.dataType === TensorDataType.FLOAT ? p : b.op('Cast', [p], { to: TensorDataType.FLOAT });
    slope = b.op('Mul', [pf, b.op('Pow', [x, b.op('Sub', [pf, b.scalar(1)])])]);
  }
  return [unbroadcast(ctx, b.op('Mul', [gY(ctx), slope]), x, ctx.node.output[0]!), undefined];
};

/** Sqrt: ∂X = ∂Y/(2y). */
const sqrt: BackwardRule = (ctx) => [ctx.b.op('Div', [gY(ctx), ctx.b.op('Mul', [ctx.node.output[0]!, ctx.b.scalar(2)])])];

/** The implementation of every backward rule id; which op uses which is in op-traits. */
const IMPLEMENTATIONS: Record<BackwardRuleId, BackwardRule> = {
  conv, gemm, matmul, relu, leakyRelu, clip, sigmoid, tanh, hardSigmoid, hardSwish, passThrough, cast, add, sub, mul, div, pow, sqrt,
  ...LAYOUT_RULES, ...DENSE_RULES, ...WEIGHT_RULES, ...ATTENTION_RULES,
};

/** Every operator the backward graph can pass through, by op type. */
export const BACKWARD_RULES: Readonly<Record<string, BackwardRule>> = rulesByOp('backward', IMPLEMENTATIONS);
