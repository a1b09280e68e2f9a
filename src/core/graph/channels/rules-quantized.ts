// Rules for quantization on activations: QuantizeLinear / DequantizeLinear keep channels in place
// (a per-axis scale and zero point along the channel axis are sliced with them), and
// DynamicQuantizeLinear passes its input's channels to the quantized output while its scalar
// scale and zero point carry none. Quantized layers are in rules-linear.ts.
import { attrInt } from '../attributes.js';
import type { ChannelContext } from './context.js';
import { normAxis } from './context.js';
import { sliceConstantInput } from './constant-sources.js';
import type { ChannelRule } from './rules-pointwise.js';
import { segmentsLength } from './segments.js';
import type { NodeProto } from '../../onnx/proto.js';

const isScalar = (shape: readonly (number | string)[] | undefined) => !!shape && (shape.length === 0 || (shape.length === 1 && shape[0] === 1));

/** QuantizeLinear(x, y_scale, y_zero_point) and DequantizeLinear(x, x_scale, x_zero_point). */
export const quantizeLinear: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  if ([1, 2].some((i) => ctx.layout(node.input[i]))) return ctx.barrierNode(node, `${node.opType} scale computed from the channels`);
  const scale = ctx.shape(node.input[1]);
  if (!isScalar(scale) && !perAxis(node, ctx, x.axis, segmentsLength(x.segments) * x.block)) {
    return ctx.barrierNode(node, `${node.opType} quantizes per axis along another axis than the channels, or its parameters are not constants`);
  }
  if (!isScalar(scale)) {
    for (const i of [1, 2]) {
      if (node.input[i] && !sliceConstantInput(ctx, node, i, 0, x, false, `${node.opType}.input${i} (per-channel)`)) return ctx.barrierNode(node, `${node.opType} parameters are not constants`);
    }
  }
  ctx.setLayout(node.output[0], x);
};

/** True when the node quantizes along the channel axis with one parameter per channel position. */
function perAxis(node: NodeProto, ctx: ChannelContext, channelAxis: number, positions: number): boolean {
  const rank = ctx.layout(node.input[0])!.rank;
  const scale = ctx.shape(node.input[1]);
  return normAxis(attrInt(node, 'axis', 1), rank) === channelAxis && scale?.length === 1 && scale[0] === positions;
}

/** DynamicQuantizeLinear(x) → (y, y_scale, y_zero_point): y keeps x's channels; the scalars carry none. */
export const dynamicQuantizeLinear: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  ctx.setLayout(node.output[0], x);
};
