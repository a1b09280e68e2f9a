// The two convolution adjoints of the training graph, in the forms onnxruntime's CPU kernels run
// fastest: ∂W as patches (im2col by a one-hot depthwise Conv) times ∂Y in one batched MatMul, and ∂X of a
// stride-1 Conv as a Conv with the flipped, transposed weight instead of a ConvTranspose. Both are
// exact rewrites (the finite-difference checks in backward-weights.test.ts and backward.test.ts).
// The earlier ∂W form, one grouped Conv with the batch folded into the channel axis, had kernels
// the size of the feature map, which MLAS runs 5–7× slower than the same MACs as a MatMul.
import type { BackwardContext } from './backward-context.js';
import { adjointConvAttrs, range, reduceSum, unsupported } from './backward-context.js';

const product = (xs: readonly number[]): number => xs.reduce((a, x) => a * x, 1);

export interface WeightGradientGeometry {
  /** The tensor the kernel slides over: the forward input of a Conv, ∂C/∂output of a ConvTranspose. */
  image: string;
  /** The tensor whose channels index the kernel's first axis: ∂C/∂output of a Conv, the input of a ConvTranspose. */
  grad: string;
  /** Static dims of `image` and `grad` (the batch may be -1), read from the forward tensors they are shaped like. */
  imageDims: number[];
  gradDims: number[];
  group: number;
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
}

/** Floats per image the im2col patches of one weight gradient may take at once (4 MiB; 256 MiB at batch 64). */
export const PATCH_BUDGET = 1 << 20;

/** Channels [from, to) of an [N, C, …] tensor. */
function channelRange(ctx: BackwardContext, t: string, from: number, to: number): string {
  return ctx.b.op('Slice', [t, ctx.b.ints('starts', [1], [from]), ctx.b.ints('ends', [1], [to]), ctx.b.ints('axes', [1], [1])], {}, 'wgrad_channels');
}

/**
 * patches[n, c·K + k, y] = image[n, c, y·s + k·d − p]: a depthwise Conv whose K filters per channel
 * are the one-hot kernels, with the forward's strides, dilations and pads, so its output positions
 * are exactly the gradient's. A 1×1 stride-1 unpadded kernel meets the image itself.
 */
function imagePatches(ctx: BackwardContext, image: string, channels: number, geo: WeightGradientGeometry): string {
  const { kernel, strides, dilations } = geo;
  const kernelSize = product(kernel);
  const pads = [...geo.padsBegin, ...geo.padsEnd];
  if (kernelSize === 1 && strides.every((s) => s === 1) && pads.every((p) => p === 0)) return image;
  const oneHot = new Float32Array(channels * kernelSize * kernelSize);
  for (let c = 0; c < channels; c++) for (let k = 0; k < kernelSize; k++) oneHot[(c * kernelSize + k) * kernelSize + k] = 1;
  const weight = ctx.b.floats('wgrad_onehot', [channels * kernelSize, 1, ...kernel], oneHot);
  return ctx.b.op('Conv', [image, weight], { group: channels, kernel_shape: kernel, strides, dilations, pads }, 'wgrad_patches');
}

/**
 * dW[o, i, k] = Σ_n Σ_y grad[n, o, y] · image[n, g(o)·m + i, y·s + k·d − p] (m = image channels per
 * group), the weight gradient of a Conv — and, with image = ∂C/∂Y and grad = X, of a ConvTranspose.
 * The image's patches (im2col) [N, g, m·K, y] times grad [N, g, C_o/g, y] transposed are one batched
 * MatMul [N, g, C_o/g, m·K], summed over the batch: already the weight's [C_o, m, k…] order.
 */
export function weightGradient(ctx: BackwardContext, geo: WeightGradientGeometry): string {
  const b = ctx.b;
  const { imageDims, gradDims, group, kernel } = geo;
  const n = kernel.length;
  if (imageDims.length !== n + 2 || gradDims.length !== n + 2) unsupported(ctx, 'the weight gradient needs [N, C, spatial…] tensors');
  const m = imageDims[1]! / group;
  const co = gradDims[1]!;
  if (!Number.isInteger(m) || co % group !== 0) unsupported(ctx, `channels (${imageDims[1]}, ${co}) are not divisible by group ${group}`);
  const outSpatial = gradDims.slice(2);
  const positions = product(outSpatial);
  const kernelSize = product(kernel);
  const shape = (dims: number[]) => b.ints('shape', [dims.length], dims);

  // The patches are K times the image; past PATCH_BUDGET floats per image they are made and
  // multiplied in chunks of channels (group 1) or of whole groups, whose products are concatenated.
  const unitChannels = group === 1 ? 1 : m;
  const units = group === 1 ? imageDims[1]! : group;
  const perChunk = Math.max(1, Math.floor(PATCH_BUDGET / (unitChannels * kernelSize * positions)));
  const products: string[] = [];
  for (let at = 0; at < units; at += perChunk) {
    const count = Math.min(perChunk, units - at);
    const whole = count === units;
    const image = whole ? geo.image : channelRange(ctx, geo.image, at * unitChannels, (at + count) * unitChannels);
    const patches = imagePatches(ctx, image, count * unitChannels, geo);
    const groups = group === 1 ? 1 : count;
    const grad = whole || group === 1 ? geo.grad : channelRange(ctx, geo.grad, at * (co / group), (at + count) * (co / group));
    const rows = b.op('Reshape', [patches, shape([-1, groups, (group === 1 ? count : m) * kernelSize, positions])]);
    const grads = b.op('Reshape', [grad, shape([-1, groups, co / group, positions])], {}, 'wgrad_grads');
    products.push(b.op('MatMul', [grads, b.op('Transpose', [rows], { perm: [0, 1, 3, 2] })], {}, 'wgrad_per_image'));
  }
  // Chunks of channels extend the rows (c, k) of one group; chunks of groups extend the group axis.
  const perImage = products.length === 1 ? products[0]! : b.op('Concat', products, { axis: group === 1 ? 3 : 1 });
  const summed = reduceSum(ctx, perImage, [0], 0);
  return b.op('Reshape', [summed, shape([co, m, ...kernel])], {}, 'wgrad');
}

export interface ConvGeometry {
  group: number;
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: { begin: number[]; end: number[] };
  /** Static spatial dims of the Conv's input and output. */
  spatialIn: number[];
  spatialOut: number[];
}

/**
 * ∂X of a Conv with weight `w` [C_o, m, k…] from ∂Y. With unit strides the adjoint is itself a Conv:
 * the weight transposed per group to [g·m, C_o/g, k…] and flipped in space, padded by (k−1)·d − p on
 * each side — onnxruntime runs that Conv about twice as fast as the equivalent ConvTranspose. Strided
 * Convs, and pads wider than the dilated kernel, keep the ConvTranspose.
 */
export function convDataGradient(ctx: BackwardContext, gradOut: string, w: string, co: number, geo: ConvGeometry): string {
  const b = ctx.b;
  const { group, kernel, strides, dilations, pads } = geo;
  const n = kernel.length;
  const extent = kernel.map((k, i) => (k - 1) * dilations[i]!);
  const convPads = [...pads.begin.map((p, i) => extent[i]! - p), ...pads.end.map((p, i) => extent[i]! - p)];
  if (strides.some((s) => s !== 1) || convPads.some((p) => p < 0)) {
    const adj = adjointConvAttrs(geo.spatialIn, geo.spatialOut, kernel, strides, dilations, pads);
    return b.op('ConvTranspose', [gradOut, w], { kernel_shape: kernel, strides, dilations, group, pads: adj.pads, output_padding: adj.output_padding });
  }
  const spatialAxes = range(2, n + 2);
  const shape = (dims: number[]) => b.ints('shape', [dims.length], dims);
  const transposed = group === 1
    ? b.op('Transpose', [w], { perm: [1, 0, ...spatialAxes] })
    : b.op('Reshape', [
      b.op('Transpose', [b.op('Reshape', [w, shape([group, co / group, -1, ...kernel])])], { perm: [0, 2, 1, ...range(3, n + 3)] }),
      shape([-1, co / group, ...kernel]),
    ]);
  // The spatial flip is a Gather of reversed indices per axis, not a Slice with step −1: onnxruntime-web's
  // WebGPU Slice clamps a negative step's end to 0 instead of −1 and drops the last tap (a 3×3 kernel
  // came out 2×2, and training failed on WebGPU).
  const flipped = spatialAxes.filter((_, i) => kernel[i]! > 1).reduce((t, axis) => {
    const k = kernel[axis - 2]!;
    return b.op('Gather', [t, b.ints('reversed', [k], range(0, k).reverse())], { axis }, 'dx_weight');
  }, transposed);
  return b.op('Conv', [gradOut, flipped], { kernel_shape: kernel, dilations, group, pads: convPads }, 'dx');
}
