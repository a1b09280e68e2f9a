// Parameter gradients for training: ∂C/∂bias of Conv/ConvTranspose (their ∂W is in backward-conv.ts),
// BatchNormalization's γ and β (running statistics frozen), and PRelu (also its data gradient). Like
// every rule, they are sums over the batch.
import { attrFloat, attrInt } from '../graph/attributes.js';
import { constantTensor } from '../graph/ir.js';
import { tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import type { BackwardContext, BackwardRule } from './backward-context.js';
import { range, reduceSum, shapeOf, unbroadcast, unsupported } from './backward-context.js';
import type { BackwardRuleId } from '../graph/op-traits.js';

const gY = (ctx: BackwardContext): string => ctx.gradOut[0]!;

/** ∂C/∂bias of a channel-first op: ∂C/∂Y summed over the batch and every spatial position. */
export function channelBiasGradient(ctx: BackwardContext): string {
  const rank = shapeOf(ctx, ctx.node.output[0]!).length;
  return reduceSum(ctx, gY(ctx), [0, ...range(2, rank)], 0);
}

/**
 * Inference BatchNormalization y = γ·(x − μ)/√(σ² + ε) + β with μ, σ² frozen constants:
 * ∂X = ∂Y·γ/√(σ²+ε) (γ from the graph when it is trained), ∂γ = Σ ∂Y·x̂, ∂β = Σ ∂Y.
 */
const batchNorm: BackwardRule = (ctx) => {
  const [x, scale, , mean, variance] = ctx.node.input as [string, string, string, string, string];
  if (ctx.needs[3] || ctx.needs[4]) unsupported(ctx, `the running mean/variance ("${mean}", "${variance}") are frozen statistics; they cannot be trained`);
  if (attrInt(ctx.node, 'training_mode', 0)) unsupported(ctx, 'training_mode BatchNormalization is not supported (export the model in eval mode)');
  const meanT = constantTensor(ctx.ir, mean);
  const varT = constantTensor(ctx.ir, variance);
  if (!varT || (ctx.needs[1] && !meanT)) unsupported(ctx, 'the running mean and variance must be constants (inference-mode BatchNormalization)');
  // A trained (or computed) γ is read from the graph; a constant one is folded into the factor as before.
  const scaleT = constantTensor(ctx.ir, scale);
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const varF = tensorToFloat32(varT);
  const rank = shapeOf(ctx, x).length;
  const channels = varF.length;
  const b = ctx.b;
  const out: (string | undefined)[] = [undefined, undefined, undefined, undefined, undefined];
  if (ctx.needs[0]) {
    let factor: string;
    if (scaleT) {
      const s = tensorToFloat32(scaleT);
      const values = Float32Array.from(s, (v, i) => v / Math.sqrt(varF[i]! + eps));
      factor = b.floats('bn_factor', [tensorDims(scaleT)[0] ?? values.length, ...new Array<number>(Math.max(0, rank - 2)).fill(1)], values);
    } else {
      const dims = [channels, ...new Array<number>(Math.max(0, rank - 2)).fill(1)];
      const invStd = b.floats('bn_invstd', dims, Float32Array.from(varF, (v) => 1 / Math.sqrt(v + eps)));
      factor = b.op('Mul', [b.op('Reshape', [scale, b.ints('shape', [dims.length], dims)]), invStd], {}, 'bn_factor');
    }
    out[0] = b.op('Mul', [gY(ctx), factor]);
  }
  const axes = [0, ...range(2, rank)];
  if (ctx.needs[1]) {
    const dims = [channels, ...new Array<number>(Math.max(0, rank - 2)).fill(1)];
    const meanF = tensorToFloat32(meanT!);
    const centered = b.op('Sub', [x, b.floats('bn_mean', dims, meanF)]);
    const xhat = b.op('Mul', [centered, b.floats('bn_invstd', dims, Float32Array.from(varF, (v) => 1 / Math.sqrt(v + eps)))], {}, 'bn_xhat');
    out[1] = reduceSum(ctx, b.op('Mul', [gY(ctx), xhat]), axes, 0);
  }
  if (ctx.needs[2]) out[2] = reduceSum(ctx, gY(ctx), axes, 0);
  return out;
};

/** PRelu y = x (x > 0) else slope·x, slope broadcast to x: ∂X = ∂Y or ∂Y·slope, ∂slope = Σ ∂Y·x where x ≤ 0. */
const prelu: BackwardRule = (ctx) => {
  const [x, slope] = ctx.node.input as [string, string];
  const b = ctx.b;
  const positive = b.op('Greater', [x, b.scalar(0)]);
  return [
    ctx.needs[0] ? b.op('Where', [positive, gY(ctx), b.op('Mul', [gY(ctx), slope])]) : undefined,
    ctx.needs[1] ? unbroadcast(ctx, b.op('Where', [positive, b.scalar(0), b.op('Mul', [gY(ctx), x])]), slope, ctx.node.output[0]!) : undefined,
  ];
};

/** Rules whose parameters are trained, by rule id, merged into BACKWARD_RULES. */
export const WEIGHT_RULES = { batchNorm, prelu } satisfies Partial<Record<BackwardRuleId, BackwardRule>>;
