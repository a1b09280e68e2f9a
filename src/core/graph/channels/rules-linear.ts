// Rules for the ops that create channels (Conv, ConvTranspose, Gemm, MatMul with a constant
// weight) and consume them through their weights' input axis.
import { tensorDims } from '../../onnx/tensor.js';
import { attrInt } from '../attributes.js';
import type { ChannelContext } from './context.js';
import type { ChannelRule } from './rules-pointwise.js';
import { segmentsLength } from './segments.js';
import type { NodeProto } from '../../onnx/proto.js';
import type { Segment } from './types.js';

function weightDims(node: NodeProto, ctx: ChannelContext, index: number): number[] | undefined {
  const w = ctx.constant(node.input[index]);
  return w ? tensorDims(w) : undefined;
}

function full(space: number, length: number): Segment[] {
  return [{ space, start: 0, length }];
}

/** Conv (weight [M, C/group, k...]) and ConvTranspose (weight [C, M/group, k...]). */
function convLike(transposed: boolean): ChannelRule {
  return (node, ctx) => {
    const op = node.opType;
    const id = ctx.id(node);
    const w = weightDims(node, ctx, 1);
    if (!w) return ctx.barrierNode(node, `${op} weight is not a constant`);
    const inAxis = transposed ? 0 : 1;
    const outAxis = transposed ? 1 : 0;
    const group = attrInt(node, 'group', 1);
    const outChannels = transposed ? w[1]! * group : w[0]!;
    const x = ctx.layout(node.input[0]);
    const xOk = !!x && x.axis === 1 && x.block === 1;
    if (x && !xOk) ctx.barrier(x.segments, `${op} input channels are not on axis 1 at ${id}`);
    const inChannels = xOk ? segmentsLength(x.segments) : transposed ? w[0]! : w[1]! * group;
    const bias = (segments: Segment[]) => {
      if (!node.input[2]) return;
      if (!ctx.constant(node.input[2])) return ctx.barrier(segments, `${op} bias is not a constant at ${id}`);
      ctx.addMember({ kind: 'slice', node, inputIndex: 2, axis: 0, segments, block: 1, producer: false, role: `${op}.bias` });
    };
    const perGroup = w[1]!; // Conv: C/group, ConvTranspose: M/group
    const depthwise = group > 1 && group === inChannels && outChannels === inChannels && perGroup === 1;
    if (group === 1) {
      if (xOk) ctx.addMember({ kind: 'slice', node, inputIndex: 1, axis: inAxis, segments: x.segments, block: 1, producer: false, role: `${op}.weight[in]` });
      const segs = full(ctx.newSpace(outChannels, id, node), outChannels);
      ctx.addMember({ kind: 'slice', node, inputIndex: 1, axis: outAxis, segments: segs, block: 1, producer: true, role: `${op}.weight[out]` });
      bias(segs);
      ctx.tieSharedWeight(node, node.input[1], xOk ? x.segments : undefined, segs);
      ctx.setLayout(node.output[0], { axis: 1, rank: w.length, segments: segs, block: 1 });
    } else if (depthwise && xOk) {
      // Depthwise: output channel c is computed from input channel c only, so both are one space.
      ctx.addMember({ kind: 'slice', node, inputIndex: 1, axis: 0, segments: x.segments, block: 1, producer: true, role: `${op}.weight[depthwise]` });
      ctx.addMember({ kind: 'group-attr', node, segments: x.segments, role: `${op}.group` });
      bias(x.segments);
      ctx.tieSharedWeight(node, node.input[1], x.segments, x.segments);
      ctx.setLayout(node.output[0], { ...x, rank: w.length });
    } else if (ctx.options.groupedConvolutions && !transposed && xOk && isFullSpace(ctx, x.segments) && w[1]! * group === inChannels && outChannels % group === 0) {
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

/** MatMul with a constant [K, N] weight: a Linear layer on the last axis (channels-last). */
export const matmul: ChannelRule = (node, ctx) => {
  const id = ctx.id(node);
  const w = weightDims(node, ctx, 1);
  const x = ctx.layout(node.input[0]);
  if (!w || w.length !== 2 || ctx.layout(node.input[1])) return ctx.barrierNode(node, 'MatMul without a constant 2-D weight');
  const rank = x?.rank ?? ctx.shape(node.input[0])?.length;
  if (!rank || rank < 2) return ctx.barrierNode(node, 'MatMul input of unknown or 1-D shape');
  if (x && x.axis !== x.rank - 1) ctx.barrier(x.segments, `MatMul input features are not on the last axis at ${id}`);
  else if (x) ctx.addMember({ kind: 'slice', node, inputIndex: 1, axis: 0, segments: x.segments, block: x.block, producer: false, role: x.block > 1 ? `MatMul.weight[in] block ${x.block}` : 'MatMul.weight[in]' });
  const n = w[1]!;
  const segs = full(ctx.newSpace(n, id, node), n);
  ctx.addMember({ kind: 'slice', node, inputIndex: 1, axis: 1, segments: segs, block: 1, producer: true, role: 'MatMul.weight[out]' });
  ctx.tieSharedWeight(node, node.input[1], x && x.axis === x.rank - 1 ? x.segments : undefined, segs);
  ctx.setLayout(node.output[0], { axis: rank - 1, rank, segments: segs, block: 1 });
};
