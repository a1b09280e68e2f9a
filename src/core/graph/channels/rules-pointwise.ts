// Rules for ops that keep every channel where it is: activations, pooling, element-wise
// arithmetic with broadcasting, normalisations with per-channel parameters.
import type { NodeProto } from '../../onnx/proto.js';
import { tensorDims } from '../../onnx/tensor.js';
import { attrInt } from '../attributes.js';
import type { ChannelContext } from './context.js';
import { normAxis } from './context.js';
import { layoutPositions } from './segments.js';
import { sliceConstantInput } from './constant-sources.js';
import type { ChannelLayout } from './types.js';

export type ChannelRule = (node: NodeProto, ctx: ChannelContext) => void;

/** Output 0 carries input 0's channels unchanged (other outputs, such as Dropout's mask, are not tracked). */
export const passThrough: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  ctx.setLayout(node.output[0], x);
  if (node.output.slice(1).some((o) => o && (ctx.ir.consumers.get(o)?.length || ctx.ir.outputs.has(o)))) ctx.barrierNode(node, `${node.opType} secondary output is used`);
};

/** Pooling over spatial axes: channels must be on axis 1. */
export const pool: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  if (x.axis !== 1 || x.block !== 1) return ctx.barrierNode(node, `${node.opType} on a tensor whose channels are not on axis 1`);
  // MaxPool's indices output flattens channel and spatial positions together.
  if (node.output[1] && (ctx.ir.consumers.get(node.output[1])?.length || ctx.ir.outputs.has(node.output[1]))) {
    return ctx.barrierNode(node, 'MaxPool indices output is used');
  }
  ctx.setLayout(node.output[0], x);
};

/** Shape and Size read only sizes, which follow pruning at run time. */
export const sink: ChannelRule = (_node, ctx) => ctx.consumed();

/**
 * Element-wise ops with NumPy broadcasting (aligned from the right). Tracked inputs whose channel
 * axes align are tied; constants that are per-channel along the channel axis become members.
 */
export const elementwise: ChannelRule = (node, ctx) => {
  const tracked = node.input.map((n) => ctx.layout(n));
  const ref = tracked.find((l): l is ChannelLayout => !!l);
  if (!ref) return;
  const fromRight = ref.rank - ref.axis;
  for (const l of tracked) {
    if (!l || l === ref) continue;
    if (l.rank - l.axis !== fromRight || l.block !== ref.block || (l.unit ?? 1) !== (ref.unit ?? 1) || l.outer !== ref.outer) return ctx.barrierNode(node, `${node.opType} combines channel axes at different positions`);
    if (!ctx.unite(ref.segments, l.segments)) return ctx.barrierNode(node, `${node.opType} combines differently concatenated channels`);
  }
  // Positions along the channel axis: channels × block, or heads when a position is a head of `unit` channels.
  const positions = layoutPositions(ref);
  let outRank = ref.rank;
  for (let i = 0; i < node.input.length; i++) {
    const name = node.input[i];
    if (!name) continue;
    const shape = ctx.shape(name) ?? (ctx.constant(name) ? tensorDims(ctx.constant(name)!) : undefined);
    if (tracked[i]) {
      outRank = Math.max(outRank, tracked[i]!.rank);
      continue;
    }
    if (!shape) return ctx.barrierNode(node, `${node.opType} input "${name}" has an unknown shape`);
    outRank = Math.max(outRank, shape.length);
    const pos = shape.length - fromRight;
    if (pos < 0 || shape[pos] === 1) continue;
    if ((ref.unit ?? 1) > 1 || ref.outer !== undefined) {
      // A constant per head (Swin's relative-position bias [1, h, N, N]) is sliced by heads.
      if (ref.outer === undefined && shape[pos] === positions && ref.block === 1 && sliceConstantInput(ctx, node, i, pos, ref, false, `${node.opType}.input${i} (per-head constant)`)) continue;
      return ctx.barrierNode(node, `${node.opType} input "${name}" is not broadcast along the attention heads`);
    }
    // A per-channel constant, possibly reshaped or dequantized on the way (sliced at its source).
    if (shape[pos] !== positions || !sliceConstantInput(ctx, node, i, pos, ref, false, `${node.opType}.input${i} (per-channel constant)`)) {
      return ctx.barrierNode(node, `${node.opType} input "${name}" is not per-channel along the channel axis`);
    }
  }
  const out: ChannelLayout = { ...ref, axis: outRank - fromRight, rank: outRank };
  ctx.setLayout(node.output[0], out);
};

/** BatchNormalization / InstanceNormalization: per-channel parameters on axis 1. */
export function perChannelNorm(paramNames: string[]): ChannelRule {
  return (node, ctx) => {
    const x = ctx.layout(node.input[0]);
    if (!x) return;
    if (x.axis !== 1 || x.block !== 1) return ctx.barrierNode(node, `${node.opType} on a tensor whose channels are not on axis 1`);
    paramNames.forEach((param, k) => {
      const i = k + 1;
      if (!node.input[i]) return;
      if (!ctx.constant(node.input[i])) return ctx.barrierNode(node, `${node.opType} ${param} is not a constant`);
      ctx.addMember({ kind: 'slice', node, inputIndex: i, axis: 0, segments: x.segments, block: 1, producer: false, role: `${node.opType}.${param}` });
    });
    ctx.setLayout(node.output[0], x);
  };
}

/** LayerNormalization: per-channel when it normalises exactly the channel axis (last), transparent when it normalises only axes after it. */
export const layerNorm: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  const a = normAxis(attrInt(node, 'axis', -1), x.rank);
  if (x.axis < a) return ctx.setLayout(node.output[0], x);
  if (x.axis !== x.rank - 1 || a !== x.rank - 1 || x.block !== 1) return ctx.barrierNode(node, 'LayerNormalization normalises the channel axis together with other axes');
  for (const [i, param] of [[1, 'scale'], [2, 'bias']] as const) {
    if (!node.input[i]) continue;
    if (!ctx.constant(node.input[i])) return ctx.barrierNode(node, `LayerNormalization ${param} is not a constant`);
    ctx.addMember({ kind: 'slice', node, inputIndex: i, axis: 0, segments: x.segments, block: 1, producer: false, role: `LayerNormalization.${param}` });
  }
  for (const s of x.segments) ctx.spaces[s.space]!.channelStatistics = true;
  ctx.setLayout(node.output[0], x);
};

/** Softmax-like ops: fine unless they normalise over the channel axis. */
export const softmax: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  const legacy = ctx.opset < 13;
  const axis = normAxis(attrInt(node, 'axis', legacy ? 1 : -1), x.rank);
  // Before opset 13 the input is coerced to 2-D at `axis`: the channel axis must be before it.
  const ok = legacy ? x.axis < axis : x.axis !== axis;
  if (!ok) return ctx.barrierNode(node, `${node.opType} normalises over the channel axis`);
  ctx.setLayout(node.output[0], x);
};

// Reductions over the channel axis. A sum (or sum of squares, L1, L2 norm) over masked channels
// equals the sum over the kept ones, so removing channels is exact; a mean divides by the count,
// so it is a statistic across channels (decomposed LayerNorm below opset 17: ReduceMean → Sub →
// Pow → ReduceMean → Sqrt → Div), pruned as torch-pruning prunes LayerNorm. Max, min, product and
// log-sum-exp would see masked zeros as values: barriers.
const EXACT_OVER_CHANNELS = new Set(['ReduceSum', 'ReduceSumSquare', 'ReduceL1', 'ReduceL2']);
const STATISTIC_OVER_CHANNELS = new Set(['ReduceMean']);

/** Reduce* ops: the channel axis moves (keepdims=0) or, when reduced, see EXACT/STATISTIC above. */
export const reduce: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  const sinceOpset = node.opType === 'ReduceSum' ? 13 : 18;
  const axesArg = ctx.intsArg(node, 1, 'axes', sinceOpset);
  if (Array.isArray(axesArg) && axesArg.length === 0 && attrInt(node, 'noop_with_empty_axes', 0) === 1) return ctx.setLayout(node.output[0], x);
  const axes = axesArg === 'dynamic' ? undefined : (axesArg?.length ? axesArg : [...Array(x.rank).keys()]).map((a) => normAxis(a, x.rank));
  if (!axes || axes.includes(x.axis)) {
    const exact = EXACT_OVER_CHANNELS.has(node.opType);
    if (!axes || hasHeadsOrBlocks(x) || !(exact || STATISTIC_OVER_CHANNELS.has(node.opType))) return ctx.barrierNode(node, `${node.opType} reduces over the channel axis`);
    if (!exact) for (const s of x.segments) ctx.spaces[s.space]!.channelStatistics = true;
    return ctx.consumed();
  }
  const keep = attrInt(node, 'keepdims', 1) === 1;
  const axis = keep ? x.axis : x.axis - axes.filter((a) => a < x.axis).length;
  ctx.setLayout(node.output[0], { ...x, axis, rank: keep ? x.rank : x.rank - axes.length });
};

const hasHeadsOrBlocks = (x: ChannelLayout) => x.block !== 1 || (x.unit ?? 1) > 1 || x.outer !== undefined;

/**
 * Gather along an axis other than the channel axis (the class token x[:, 0], a time step): the
 * indices pick positions, the channels pass. Along the channel axis the indices are data: barrier.
 */
export const gather: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (ctx.layout(node.input[1])) return ctx.barrierNode(node, 'Gather indexed by a tensor that carries channels');
  if (!x) return;
  const g = normAxis(attrInt(node, 'axis', 0), x.rank);
  if (g === x.axis) return ctx.barrierNode(node, 'Gather picks positions along the channel axis');
  const q = ctx.shape(node.input[1])?.length ?? ctx.constant(node.input[1])?.dims.length;
  if (q === undefined) return ctx.barrierNode(node, 'Gather with indices of unknown rank');
  ctx.setLayout(node.output[0], { ...x, axis: x.axis < g ? x.axis : x.axis - 1 + q, rank: x.rank - 1 + q });
};
