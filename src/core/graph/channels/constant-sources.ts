// Constants that reach a layer through a few ops: a quantized weight behind DequantizeLinear, a
// bias reshaped to [1, C, 1, 1] (onnxruntime's dynamic quantization), a scale computed as
// x_scale · w_scale. Pruning such an input means slicing the constants it is made of, each along
// the axis that lines up with the channels; this module finds them (or says it cannot).
import type { NodeProto } from '../../onnx/proto.js';
import { attrInt } from '../attributes.js';
import type { ChannelContext } from './context.js';
import { normAxis } from './context.js';
import type { Segment } from './types.js';

/** A constant input to slice: `node.input[inputIndex]` along `axis`. */
export interface ConstantSource {
  node: NodeProto;
  inputIndex: number;
  axis: number;
}

const MAX_DEPTH = 16;

/**
 * Adds a slice member for every constant behind `node.input[inputIndex]` along `axis`; false (and
 * nothing added) when the input is not made of constants. The member that holds the weights
 * themselves keeps `producer` (magnitude criteria read it); scales and zero points do not.
 */
export function sliceConstantInput(ctx: ChannelContext, node: NodeProto, inputIndex: number, axis: number, layout: { segments: Segment[]; block: number; unit?: number }, producer: boolean, role: string): boolean {
  const sources = constantSources(ctx, node, inputIndex, axis);
  if (!sources) return false;
  for (const s of sources) {
    const direct = s.node === node;
    const values = direct || (s.node.opType === 'DequantizeLinear' && s.inputIndex === 0);
    ctx.addMember({
      kind: 'slice', node: s.node, inputIndex: s.inputIndex, axis: s.axis, segments: layout.segments, block: layout.block, ...((layout.unit ?? 1) > 1 ? { unit: layout.unit } : {}),
      producer: producer && values, role: direct ? role : `${role} via ${s.node.opType}.input${s.inputIndex}`,
    });
  }
  return true;
}

/** Size of `dims[axis]`, undefined unless it is a known number. */
const sizeAt = (dims: readonly (number | string)[] | undefined, axis: number) => {
  const d = dims?.[axis];
  return typeof d === 'number' ? d : undefined;
};

/** True when the only dim of `dims` other than 1 is at `axis`. */
const onlyAxis = (dims: readonly (number | string)[], axis: number) => dims.every((d, i) => i === axis || d === 1);

/**
 * The constants that `node.input[inputIndex]` is computed from, when it is computed from constants
 * (and broadcast scalars) only, each with the axis that runs along the input's axis `axis`.
 * Undefined when the input depends on activations along that axis or passes through ops this
 * module does not trace: then it cannot be sliced.
 */
export function constantSources(ctx: ChannelContext, node: NodeProto, inputIndex: number, axis: number, depth = 0): ConstantSource[] | undefined {
  const name = node.input[inputIndex];
  if (!name || depth > MAX_DEPTH) return undefined;
  if (ctx.constant(name)) return [{ node, inputIndex, axis }];
  const p = ctx.ir.producer.get(name);
  // A computed input read elsewhere too would be sliced for one reader and not the other.
  if (!p || ctx.layout(name) || (ctx.ir.consumers.get(name)?.length ?? 0) > 1) return undefined;
  const outShape = ctx.shape(name);
  const n = sizeAt(outShape, axis);
  switch (p.opType) {
    case 'Identity':
    case 'Cast':
      return constantSources(ctx, p, 0, axis, depth + 1);
    case 'DequantizeLinear': {
      const values = constantSources(ctx, p, 0, axis, depth + 1);
      if (!values) return undefined;
      // Per-axis scale and zero point run along the DequantizeLinear axis: sliced with it.
      const scale = ctx.shape(p.input[1]);
      if (!scale || scale.length === 0 || (scale.length === 1 && scale[0] === 1)) return values;
      const rank = outShape?.length ?? 1;
      const qAxis = normAxis(attrInt(p, 'axis', 1), rank);
      if (qAxis !== axis) return values;
      const params = [1, 2].filter((i) => p.input[i]).map((i) => constantSources(ctx, p, i, 0, depth + 1));
      return params.every((s): s is ConstantSource[] => !!s) ? [...values, ...params.flat()] : undefined;
    }
    case 'Reshape':
    case 'Unsqueeze':
    case 'Squeeze':
    case 'Flatten': {
      // Only reshapes that move one channel-sized dim among 1s, like [C] → [1, C, 1, 1].
      const inShape = ctx.shape(p.input[0]);
      if (!outShape || !inShape || n === undefined || !onlyAxis(outShape, axis)) return undefined;
      const from = inShape.findIndex((d) => d === n);
      if (from < 0 || !onlyAxis(inShape, from)) return undefined;
      if (p.opType === 'Reshape') {
        const target = ctx.ints(p.input[1]);
        // A constant target entry equal to C would have to be rewritten: only self-sizing entries pass.
        if (n !== 1 && target?.[axis] !== -1 && target?.[axis] !== 0) return undefined;
      }
      return constantSources(ctx, p, 0, from, depth + 1);
    }
    case 'Expand': {
      // Broadcast to a shape whose entry at this axis keeps the input's size (1 or the same size
      // computed at run time would do; a constant C would have to be rewritten: refused).
      const inShape = ctx.shape(p.input[0]);
      const target = ctx.shapes.tensors.get(p.input[1]!)?.values;
      if (!outShape || !inShape || !target || n === undefined) return undefined;
      const a = axis - (outShape.length - inShape.length);
      const entry = target[axis - (outShape.length - target.length)];
      if (a < 0 || inShape[a] !== n || (entry !== undefined && entry !== 1)) return undefined;
      return constantSources(ctx, p, 0, a, depth + 1);
    }
    case 'Mul':
    case 'Add':
    case 'Sub':
    case 'Div': {
      if (!outShape || n === undefined) return undefined;
      const sources: ConstantSource[] = [];
      for (let i = 0; i < p.input.length; i++) {
        const s = ctx.shape(p.input[i]);
        if (!s) return undefined;
        const a = s.length - (outShape.length - axis);
        // Broadcast along the axis (a scalar scale, a size-1 dim): nothing to slice in this operand.
        if (a < 0 || s[a] === 1) continue;
        if (s[a] !== n) return undefined;
        const inner = constantSources(ctx, p, i, a, depth + 1);
        if (!inner) return undefined;
        sources.push(...inner);
      }
      return sources;
    }
    default:
      return undefined;
  }
}
