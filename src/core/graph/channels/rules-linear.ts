// Rules for the ops that create channels (Conv, ConvTranspose, Gemm, MatMul with a constant
// weight, and their quantized forms ConvInteger/QLinearConv, MatMulInteger/QLinearMatMul) and
// consume them through their weights' input axis. A weight may reach the layer through
// DequantizeLinear (QDQ models): its integer values, and its per-axis scale and zero point when
// they run along the sliced axis, are sliced (constant-sources.ts).
import { tensorDims } from '../../onnx/tensor.js';
import { attrInt } from '../attributes.js';
import type { ChannelContext } from './context.js';
import type { ChannelRule } from './rules-pointwise.js';
import { segmentsLength } from './segments.js';
import type { NodeProto } from '../../onnx/proto.js';
import type { Segment } from './types.js';
import { constantSources, sliceConstantInput } from './constant-sources.js';
import { hasHeads, matmulActivations } from './rules-attention.js';

/** Where a layer kind reads its inputs, and which per-output-channel parameters it carries. */
interface LayerInputs {
  weight: number;
  bias?: number;
  /** Inputs holding one value per output channel, or one for all (weight scales and zero points). */
  perOutput: readonly number[];
}

const PLAIN: LayerInputs = { weight: 1, bias: 2, perOutput: [] };
/** ConvInteger(x, w, x_zero_point, w_zero_point) / MatMulInteger(a, b, a_zero_point, b_zero_point). */
const INTEGER: LayerInputs = { weight: 1, perOutput: [3] };
/** QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B) / QLinearMatMul(a, …, b at 3, b_scale, b_zp, …). */
const QLINEAR: LayerInputs = { weight: 3, bias: 8, perOutput: [4, 5] };

/** Dims of a layer's weight: a constant, or a tensor computed from constants (DequantizeLinear). */
function weightDims(node: NodeProto, ctx: ChannelContext, index: number): number[] | undefined {
  const w = ctx.constant(node.input[index]);
  if (w) return tensorDims(w);
  const shape = ctx.shape(node.input[index]);
  if (!shape?.every((d): d is number => typeof d === 'number') || !constantSources(ctx, node, index, 0)) return undefined;
  return shape;
}

/**
 * Slices the per-output-channel parameters of a quantized layer (scales, zero points of shape
 * [M]) with the output channels; scalar ones stay. False when one is neither.
 */
function slicePerOutput(node: NodeProto, ctx: ChannelContext, io: LayerInputs, segments: Segment[], outChannels: number): boolean {
  for (const i of io.perOutput) {
    if (!node.input[i]) continue;
    const shape = ctx.shape(node.input[i]);
    if (shape && (shape.length === 0 || (shape.length === 1 && shape[0] === 1))) continue;
    if (shape?.length !== 1 || shape[0] !== outChannels) return false;
    if (!sliceConstantInput(ctx, node, i, 0, { segments, block: 1 }, false, `${node.opType}.input${i}`)) return false;
  }
  return true;
}

function full(space: number, length: number): Segment[] {
  return [{ space, start: 0, length }];
}

/** Conv (weight [M, C/group, k...]), ConvTranspose (weight [C, M/group, k...]) and the quantized convolutions. */
function convLike(transposed: boolean, io: LayerInputs = PLAIN): ChannelRule {
  return (node, ctx) => {
    const op = node.opType;
    const id = ctx.id(node);
    const wi = io.weight;
    const w = weightDims(node, ctx, wi);
    if (!w) return ctx.barrierNode(node, `${op} weight is not a constant`);
    const inAxis = transposed ? 0 : 1;
    const outAxis = transposed ? 1 : 0;
    const group = attrInt(node, 'group', 1);
    const outChannels = transposed ? w[1]! * group : w[0]!;
    const x = ctx.layout(node.input[0]);
    const xOk = !!x && x.axis === 1 && x.block === 1;
    if (x && !xOk) ctx.barrier(x.segments, `${op} input channels are not on axis 1 at ${id}`);
    const inChannels = xOk ? segmentsLength(x.segments) : transposed ? w[0]! : w[1]! * group;
    const weight = (axis: number, segments: Segment[], producer: boolean, role: string) => {
      if (!sliceConstantInput(ctx, node, wi, axis, { segments, block: 1 }, producer, role)) ctx.barrier(segments, `${op} weight cannot be sliced at ${id}`);
    };
    // Bias and per-output parameters of the output channels (quantized layers: scales, zero points).
    const bias = (segments: Segment[]) => {
      if (!slicePerOutput(node, ctx, io, segments, outChannels)) ctx.barrier(segments, `${op} per-channel quantization parameters cannot be sliced at ${id}`);
      if (io.bias === undefined || !node.input[io.bias]) return;
      if (!sliceConstantInput(ctx, node, io.bias, 0, { segments, block: 1 }, false, `${op}.bias`)) ctx.barrier(segments, `${op} bias is not a constant at ${id}`);
    };
    const perGroup = w[1]!; // Conv: C/group, ConvTranspose: M/group
    const depthwise = group > 1 && group === inChannels && outChannels === inChannels && perGroup === 1;
    if (group === 1) {
      if (xOk) weight(inAxis, x.segments, false, `${op}.weight[in]`);
      const segs = full(ctx.newSpace(outChannels, id, node), outChannels);
      weight(outAxis, segs, true, `${op}.weight[out]`);
      bias(segs);
      ctx.tieSharedWeight(node, node.input[wi], xOk ? x.segments : undefined, segs);
      ctx.setLayout(node.output[0], { axis: 1, rank: w.length, segments: segs, block: 1 });
    } else if (depthwise && xOk) {
      // Depthwise: output channel c is computed from input channel c only, so both are one space.
      weight(0, x.segments, true, `${op}.weight[depthwise]`);
      ctx.addMember({ kind: 'group-attr', node, segments: x.segments, role: `${op}.group` });
      bias(x.segments);
      ctx.tieSharedWeight(node, node.input[wi], x.segments, x.segments);
      ctx.setLayout(node.output[0], { ...x, rank: w.length });
    } else if (ctx.options.groupedConvolutions && !transposed && io === PLAIN && xOk && isFullSpace(ctx, x.segments) && w[1]! * group === inChannels && outChannels % group === 0) {
      // Grouped: input block b feeds output block b. Pruning stays exact when every block of the
      // input and of the output keeps the same number of channels (group stays the same).
      const segs = full(ctx.newSpace(outChannels, id, node), outChannels);
      ctx.addMember({ kind: 'grouped-in', node, inputIndex: 1, segments: x.segments, blocks: group, role: `${op}.weight[in] (group=${group})` });
      ctx.addMember({ kind: 'slice', node, inputIndex: 1, axis: 0, segments: segs, block: 1, producer: true, role: `${op}.weight[out]` });
      bias(segs);
      ctx.requireBlocks(x.segments[0]!.space, group);
      ctx.requireBlocks(segs[0]!.space, group);
      ctx.setLayout(node.output[0], { axis: 1, rank: w.length, segments: segs, block: 1 });
    } else {
      const untrackedDepthwise = group > 1 && !x && perGroup === 1 && outChannels === group;
      const reason = untrackedDepthwise ? `depthwise convolution of channels that are not tracked at ${id}` : `grouped convolution (group=${group}) at ${id}`;
      if (x) ctx.barrier(x.segments, reason);
      const segs = full(ctx.newSpace(outChannels, id, node), outChannels);
      ctx.barrier(segs, reason);
      ctx.setLayout(node.output[0], { axis: 1, rank: w.length, segments: segs, block: 1 });
    }
  };
}

/** True when the segments are exactly one whole space. */
function isFullSpace(ctx: ChannelContext, segments: readonly Segment[]): boolean {
  const s = segments[0];
  return segments.length === 1 && !!s && s.start === 0 && s.length === ctx.spaces[s.space]!.length;
}

export const conv = convLike(false);
export const convTranspose = convLike(true);
export const convInteger = convLike(false, INTEGER);
export const qlinearConv = convLike(false, QLINEAR);

/** Gemm: A [M, K] (channels on axis 1) × B ([K, N], or [N, K] with transB) + C. */
export const gemm: ChannelRule = (node, ctx) => {
  const id = ctx.id(node);
  const w = weightDims(node, ctx, 1);
  if (!w || w.length !== 2 || attrInt(node, 'transA', 0) !== 0) return ctx.barrierNode(node, 'Gemm with a non-constant weight or transA');
  const transB = attrInt(node, 'transB', 0) === 1;
  const x = ctx.layout(node.input[0]);
  if (x && (x.axis !== 1 || x.rank !== 2)) ctx.barrier(x.segments, `Gemm input features are not on axis 1 at ${id}`);
  else if (x) ctx.addMember({ kind: 'slice', node, inputIndex: 1, axis: transB ? 1 : 0, segments: x.segments, block: x.block, producer: false, role: x.block > 1 ? `Gemm.weight[in] block ${x.block}` : 'Gemm.weight[in]' });
  const n = transB ? w[0]! : w[1]!;
  const segs = full(ctx.newSpace(n, id, node), n);
  ctx.addMember({ kind: 'slice', node, inputIndex: 1, axis: transB ? 0 : 1, segments: segs, block: 1, producer: true, role: 'Gemm.weight[out]' });
  if (node.input[2]) {
    const c = ctx.constant(node.input[2]);
    const cd = c ? tensorDims(c) : undefined;
    if (!cd) ctx.barrier(segs, `Gemm bias is not a constant at ${id}`);
    else if (cd.length > 0 && cd[cd.length - 1] === n && n > 1) {
      ctx.addMember({ kind: 'slice', node, inputIndex: 2, axis: cd.length - 1, segments: segs, block: 1, producer: false, role: 'Gemm.bias' });
    }
  }
  ctx.tieSharedWeight(node, node.input[1], x && x.axis === 1 && x.rank === 2 ? x.segments : undefined, segs);
  ctx.setLayout(node.output[0], { axis: 1, rank: 2, segments: segs, block: 1 });
};

/** MatMul with a constant [K, N] weight: a Linear layer on the last axis (channels-last); also its quantized forms. */
function matmulLike(io: LayerInputs): ChannelRule {
  return (node, ctx) => {
    const op = node.opType;
    const id = ctx.id(node);
    const wi = io.weight;
    const w = weightDims(node, ctx, wi);
    const x = ctx.layout(node.input[0]);
    if (!w || w.length !== 2 || ctx.layout(node.input[wi])) return ctx.barrierNode(node, `${op} without a constant 2-D weight`);
    if (hasHeads(x)) return ctx.barrierNode(node, `${op} reads attention heads as features`);
    const rank = x?.rank ?? ctx.shape(node.input[0])?.length;
    if (!rank || rank < 2) return ctx.barrierNode(node, `${op} input of unknown or 1-D shape`);
    if (x && x.axis !== x.rank - 1) ctx.barrier(x.segments, `${op} input features are not on the last axis at ${id}`);
    else if (x && !sliceConstantInput(ctx, node, wi, 0, x, false, x.block > 1 ? `${op}.weight[in] block ${x.block}` : `${op}.weight[in]`)) ctx.barrier(x.segments, `${op} weight cannot be sliced at ${id}`);
    const n = w[1]!;
    const segs = full(ctx.newSpace(n, id, node), n);
    if (!sliceConstantInput(ctx, node, wi, 1, { segments: segs, block: 1 }, true, `${op}.weight[out]`)) ctx.barrier(segs, `${op} weight cannot be sliced at ${id}`);
    if (!slicePerOutput(node, ctx, io, segs, n)) ctx.barrier(segs, `${op} per-column quantization parameters cannot be sliced at ${id}`);
    ctx.tieSharedWeight(node, node.input[wi], x && x.axis === x.rank - 1 ? x.segments : undefined, segs);
    ctx.setLayout(node.output[0], { axis: rank - 1, rank, segments: segs, block: 1 });
  };
}

const linearMatmul = matmulLike(PLAIN);

/** MatMul: a Linear layer when B is a constant 2-D weight, otherwise a product of two activations (attention). */
export const matmul: ChannelRule = (node, ctx) => {
  const w = weightDims(node, ctx, 1);
  const linear = w?.length === 2 && !ctx.layout(node.input[1]);
  (linear ? linearMatmul : matmulActivations)(node, ctx);
};
export const matmulInteger = matmulLike(INTEGER);
export const qlinearMatmul = matmulLike(QLINEAR);
