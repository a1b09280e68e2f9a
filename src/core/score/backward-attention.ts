// Backward rules of the operators transformer exports are made of besides MatMul: Softmax and
// LogSoftmax over an axis, the fused LayerNormalization (opset 17; its parameters train too) and
// InstanceNormalization (the same normalisation over the spatial axes), and
// GELU, either fused (opset 20) or as torch exports it (x·½·(1 + erf(x/√2))), through Erf.
import { attrFloat, attrString } from '../graph/attributes.js';
import type { BackwardContext, BackwardRule } from './backward-context.js';
import { axisOf, range, reduceSum, shapeOf, unbroadcast, unsupported } from './backward-context.js';
import type { BackwardRuleId } from '../graph/op-traits.js';

const gY = (ctx: BackwardContext): string => ctx.gradOut[0]!;

/**
 * The axes a Softmax/LogSoftmax normalises over: from opset 13 the one `axis` (default −1); before,
 * the input is coerced to 2-D at `axis` (default 1), so every axis from `axis` on.
 */
function softmaxAxes(ctx: BackwardContext): number[] {
  const rank = shapeOf(ctx, ctx.node.input[0]!).length;
  const axis = axisOf(ctx, ctx.opset >= 13 ? -1 : 1, rank);
  return ctx.opset >= 13 ? [axis] : range(axis, rank);
}

/** Softmax: ∂X = y·(∂Y − Σ_axes ∂Y·y). */
const softmax: BackwardRule = (ctx) => {
  const y = ctx.node.output[0]!;
  const b = ctx.b;
  const dot = reduceSum(ctx, b.op('Mul', [gY(ctx), y]), softmaxAxes(ctx));
  return [b.op('Mul', [y, b.op('Sub', [gY(ctx), dot])])];
};

/** LogSoftmax: ∂X = ∂Y − exp(y)·Σ_axes ∂Y. */
const logSoftmax: BackwardRule = (ctx) => {
  const b = ctx.b;
  const total = reduceSum(ctx, gY(ctx), softmaxAxes(ctx));
  return [b.op('Sub', [gY(ctx), b.op('Mul', [b.op('Exp', [ctx.node.output[0]!]), total])])];
};

/** Mean over `axes` (keepdims) as ReduceSum / count, so one form serves every opset. */
function meanOver(ctx: BackwardContext, x: string, axes: number[], count: number): string {
  return ctx.b.op('Mul', [reduceSum(ctx, x, axes), ctx.b.scalar(1 / count)]);
}

/**
 * y = x̂·scale + bias with x̂ = (x − μ)·σ⁻¹ over `axes` (N elements): ∂X = σ⁻¹·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))
 * with ĝ = ∂Y·scale. μ and σ⁻¹ are recomputed (LayerNormalization's Mean/InvStdDev outputs are
 * optional). `scale`/`bias` are given already broadcastable to x; `paramGrads` sums ∂Y·x̂ and ∂Y to
 * the parameters' own shapes.
 */
function normalisedBackward(
  ctx: BackwardContext,
  axes: number[],
  scale: string,
  paramGrads: (gScale: string | undefined, gBias: string | undefined) => (string | undefined)[],
): (string | undefined)[] {
  const x = ctx.node.input[0]!;
  const dims = shapeOf(ctx, x);
  const sizes = axes.map((a) => dims[a]!);
  if (sizes.some((d) => typeof d !== 'number')) unsupported(ctx, `the normalised axes ${JSON.stringify(axes)} of "${x}" need fixed sizes`);
  const count = (sizes as number[]).reduce((p, d) => p * d, 1);
  const b = ctx.b;
  const centred = b.op('Sub', [x, meanOver(ctx, x, axes, count)]);
  const variance = meanOver(ctx, b.op('Mul', [centred, centred]), axes, count);
  const invStd = b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [variance, b.scalar(attrFloat(ctx.node, 'epsilon', 1e-5))])])]);
  const xhat = b.op('Mul', [centred, invStd], {}, 'ln_xhat');
  let gx: string | undefined;
  if (ctx.needs[0]) {
    const gh = b.op('Mul', [gY(ctx), scale]);
    const inner = b.op('Sub', [b.op('Sub', [gh, meanOver(ctx, gh, axes, count)]), b.op('Mul', [xhat, meanOver(ctx, b.op('Mul', [gh, xhat]), axes, count)])]);
    gx = b.op('Mul', [inner, invStd]);
  }
  const [gScale, gBias] = paramGrads(ctx.needs[1] ? b.op('Mul', [gY(ctx), xhat]) : undefined, ctx.node.input[2] && ctx.needs[2] ? gY(ctx) : undefined);
  return [gx, gScale, gBias];
}

/** LayerNormalization over the axes from `axis` on; ∂scale and ∂bias sum over the leading axes (training). */
const layerNorm: BackwardRule = (ctx) => {
  if (ctx.gradOut.slice(1).some(Boolean)) unsupported(ctx, 'the Mean and InvStdDev outputs reach the loss; only Y has a gradient rule');
  const [x, scale, bias] = ctx.node.input as [string, string, string | undefined];
  const rank = shapeOf(ctx, x).length;
  const y = ctx.node.output[0]!;
  return normalisedBackward(ctx, range(axisOf(ctx, -1, rank), rank), scale, (gs, gb) => [
    gs && unbroadcast(ctx, gs, scale, y),
    gb && bias ? unbroadcast(ctx, gb, bias, y) : undefined,
  ]);
};

/**
 * InstanceNormalization: each (image, channel) normalised over its spatial axes, then scale[c] and
 * bias[c] ([C], viewed as [C, 1, …] to broadcast); ∂scale and ∂bias sum over the images and positions.
 */
const instanceNorm: BackwardRule = (ctx) => {
  const [x, scale] = ctx.node.input as [string, string, string];
  const rank = shapeOf(ctx, x).length;
  const b = ctx.b;
  const perChannel = b.ints('chan_shape', [rank - 1], [-1, ...Array.from({ length: rank - 2 }, () => 1)]);
  const summed = [0, ...range(2, rank)];
  return normalisedBackward(ctx, range(2, rank), b.op('Reshape', [scale, perChannel]), (gs, gb) => [
    gs && reduceSum(ctx, gs, summed, 0),
    gb && reduceSum(ctx, gb, summed, 0),
  ]);
};

/** Erf: ∂X = ∂Y·2/√π·exp(−x²). */
const erf: BackwardRule = (ctx) => {
  const x = ctx.node.input[0]!;
  const b = ctx.b;
  const gauss = b.op('Exp', [b.op('Neg', [b.op('Mul', [x, x])])]);
  return [b.op('Mul', [gY(ctx), b.op('Mul', [gauss, b.scalar(2 / Math.sqrt(Math.PI))])])];
};

/**
 * Gelu (opset 20). approximate="none", y = x·Φ(x): y' = Φ(x) + x·φ(x). approximate="tanh",
 * y = ½x(1 + tanh u) with u = √(2/π)(x + 0.044715x³): y' = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²).
 */
const gelu: BackwardRule = (ctx) => {
  const x = ctx.node.input[0]!;
  const b = ctx.b;
  const mode = attrString(ctx.node, 'approximate', 'none');
  const x2 = b.op('Mul', [x, x]);
  const half = (t: string) => b.op('Mul', [t, b.scalar(0.5)]);
  let slope: string;
  if (mode === 'none') {
    const cdf = half(b.op('Add', [b.op('Erf', [b.op('Mul', [x, b.scalar(Math.SQRT1_2)])]), b.scalar(1)]));
    const pdf = b.op('Mul', [b.op('Exp', [half(b.op('Neg', [x2]))]), b.scalar(1 / Math.sqrt(2 * Math.PI))]);
    slope = b.op('Add', [cdf, b.op('Mul', [x, pdf])]);
  } else if (mode === 'tanh') {
    const k = Math.sqrt(2 / Math.PI);
    const c = 0.044715;
    const t = b.op('Tanh', [b.op('Mul', [b.op('Add', [x, b.op('Mul', [b.op('Mul', [x2, x]), b.scalar(c)])]), b.scalar(k)])]);
    const du = b.op('Mul', [b.op('Add', [b.op('Mul', [x2, b.scalar(3 * c)]), b.scalar(1)]), b.scalar(k)]);
    const sech2 = b.op('Sub', [b.scalar(1), b.op('Mul', [t, t])]);
    slope = b.op('Add', [half(b.op('Add', [t, b.scalar(1)])), half(b.op('Mul', [b.op('Mul', [x, sech2]), du]))]);
  } else unsupported(ctx, `approximate="${mode}" is not a GELU form (none, tanh)`);
  return [b.op('Mul', [gY(ctx), slope])];
};

/** Rules of the attention-block ops by rule id (op-traits says which op uses which), merged into BACKWARD_RULES. */
export const ATTENTION_RULES = { softmax, logSoftmax, layerNorm, instanceNorm, erf, gelu } satisfies Partial<Record<BackwardRuleId, BackwardRule>>;
