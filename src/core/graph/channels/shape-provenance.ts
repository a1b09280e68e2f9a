// Where an entry of a computed shape vector comes from at run time. Exporters build the `sizes` of
// Resize and the targets of Reshape/Expand from the model's own tensors (F.interpolate(x,
// size=y.shape[2:]) becomes Concat(Shape(x)[0:2], Shape(y)[2:4])): an entry that is the channel
// dimension of a tensor carrying exactly the same channels follows pruning by itself and needs no
// rewrite, where a constant entry would have to be rewritten and any other computed entry forbids it.
import { attrInt } from '../attributes.js';
import type { ChannelContext } from './context.js';
import { normAxis } from './context.js';
import type { ChannelLayout } from './types.js';

/** A dimension of a tensor: `dim` of `tensor`. */
interface DimSource {
  tensor: string;
  dim: number;
}

const MAX_DEPTH = 32;

/** The tensor dimension that entry `position` of the integer vector `name` reads at run time, if it is one. */
function dimSource(ctx: ChannelContext, name: string, position: number, depth = 0): DimSource | undefined {
  const node = ctx.ir.producer.get(name);
  if (!node || depth > MAX_DEPTH) return undefined;
  const input = node.input[0];
  if (!input) return undefined;
  switch (node.opType) {
    case 'Shape': {
      const rank = ctx.shape(input)?.length ?? ctx.layout(input)?.rank;
      if (rank === undefined) return undefined;
      const start = ctx.opset >= 15 ? normAxis(attrInt(node, 'start', 0), rank) : 0;
      return { tensor: input, dim: start + position };
    }
    case 'Cast':
    case 'Identity':
      return dimSource(ctx, input, position, depth + 1);
    case 'Unsqueeze':
    case 'Squeeze':
      // A scalar made a 1-element vector (or back): only entry 0 exists.
      return position === 0 ? dimSource(ctx, input, 0, depth + 1) : undefined;
    case 'Concat': {
      let p = position;
      for (const piece of node.input) {
        const len = ctx.shape(piece);
        const n = len?.length === 1 ? len[0] : len?.length === 0 ? 1 : undefined;
        if (typeof n !== 'number') return undefined;
        if (p < n) return dimSource(ctx, piece, p, depth + 1);
        p -= n;
      }
      return undefined;
    }
    case 'Gather': {
      if (attrInt(node, 'axis', 0) !== 0) return undefined;
      const indices = ctx.ints(node.input[1]);
      const length = ctx.shape(input)?.[0];
      const index = indices?.length === 1 && position === 0 ? indices[0] : indices?.[position];
      if (index === undefined || typeof length !== 'number') return undefined;
      return dimSource(ctx, input, index < 0 ? index + length : index, depth + 1);
    }
    case 'Slice': {
      const length = ctx.shape(input)?.[0];
      const starts = ctx.ints(node.input[1]);
      const axes = node.input[3] ? ctx.ints(node.input[3]) : [0];
      const steps = node.input[4] ? ctx.ints(node.input[4]) : [1];
      if (ctx.opset < 10 || typeof length !== 'number' || starts?.length !== 1 || axes?.[0] !== 0 || steps?.[0] !== 1) return undefined;
      const start = Math.min(Math.max(starts[0]! < 0 ? starts[0]! + length : starts[0]!, 0), length);
      return dimSource(ctx, input, start + position, depth + 1);
    }
    default:
      return undefined;
  }
}

/**
 * True when entry `position` of the integer vector `name` is, at run time, the size of a channel
 * axis laid out exactly like `out` (same channels, same block): it then follows pruning unchanged.
 */
export function entryFollowsChannels(ctx: ChannelContext, name: string | undefined, position: number, out: ChannelLayout): boolean {
  if (!name) return false;
  const source = dimSource(ctx, name, position);
  const l = source && ctx.layout(source.tensor);
  if (!l || l.axis !== source.dim || l.block !== out.block || (l.unit ?? 1) !== (out.unit ?? 1) || l.outer !== out.outer || l.segments.length !== out.segments.length) return false;
  return l.segments.every((s, i) => {
    const o = out.segments[i]!;
    return ctx.find(s.space) === ctx.find(o.space) && s.start === o.start && s.length === o.length;
  });
}
