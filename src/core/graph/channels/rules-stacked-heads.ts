// Q, K and V stacked on an axis of their own: timm's and Swin's attention reshape the packed
// projection [.., 3·C] to [.., 3, h, d], move the stack axis first (Transpose) and take q, k, v
// with Gather(index 0/1/2) on it, or unbind it (Split + Squeeze). The packed space is cut into its three pieces (tied by attention
// like torch's chunk), each Gather output carries its piece as heads of d channels, and the target
// entry that counts heads follows the kept heads (head_dim and the stack size stay).
import type { NodeProto } from '../../onnx/proto.js';
import { attrInt, attrInts } from '../attributes.js';
import type { Dim } from '../shapes.js';
import type { ChannelContext } from './context.js';
import { normAxis } from './context.js';
import { fixTarget, sameDims, type Need } from './rules-attention.js';
import { segmentsLength } from './segments.js';
import type { ChannelLayout, Segment } from './types.js';
import { keepEntriesStatic } from './static-entries.js';


/**
 * The nodes that take q, k and v off the stack axis after the Transpose (Gathers, or a Split into
 * size-1 pieces each Squeezed), with their index; undefined when the chain is anything else.
 */
function stackReaders(ctx: ChannelContext, reshaped: string, stackAxis: number): { transpose: NodeProto; perm: number[]; gathers: { node: NodeProto; index: number }[] } | undefined {
  const readers = ctx.ir.consumers.get(reshaped) ?? [];
  const transpose = readers[0]?.node;
  if (readers.length !== 1 || transpose?.opType !== 'Transpose' || ctx.ir.outputs.has(reshaped)) return undefined;
  const rank = ctx.shape(reshaped)?.length;
  if (rank === undefined) return undefined;
  const perm = attrInts(transpose, 'perm', [...Array(rank).keys()].reverse());
  const axis = perm.indexOf(stackAxis);
  const out = transpose.output[0]!;
  if (ctx.ir.outputs.has(out)) return undefined;
  const gathers: { node: NodeProto; index: number }[] = [];
  const readersOfOut = ctx.ir.consumers.get(out) ?? [];
  // timm's qkv.unbind(0): one Split into size-1 pieces along the stack axis, each squeezed.
  const split = readersOfOut.length === 1 && readersOfOut[0]!.node.opType === 'Split' ? readersOfOut[0]!.node : undefined;
  if (split) {
    const sizes = ctx.intsArg(split, 1, 'split', 13);
    if (normAxis(attrInt(split, 'axis', 0), rank) !== axis || sizes === 'dynamic' || (sizes && sizes.some((v) => v !== 1))) return undefined;
    for (let i = 0; i < split.output.length; i++) {
      const squeezes = ctx.ir.consumers.get(split.output[i]!) ?? [];
      const sq = squeezes[0]?.node;
      const axes = sq ? ctx.intsArg(sq, 1, 'axes', 13) : undefined;
      if (squeezes.length !== 1 || sq?.opType !== 'Squeeze' || !Array.isArray(axes) || axes.length !== 1 || normAxis(axes[0]!, rank) !== axis) return undefined;
      gathers.push({ node: sq, index: i });
    }
    return { transpose, perm, gathers };
  }
  for (const { node } of readersOfOut) {
    const index = ctx.ints(node.input[1]);
    const indexRank = ctx.shape(node.input[1])?.length ?? ctx.constant(node.input[1])?.dims.length;
    if (node.opType !== 'Gather' || normAxis(attrInt(node, 'axis', 0), rank) !== axis || index?.length !== 1 || indexRank !== 0) return undefined;
    gathers.push({ node, index: index[0]! });
  }
  return gathers.length ? { transpose, perm, gathers } : undefined;
}

/** [.., n·h·d, ..] → [.., n, h, d, ..] read by Transpose + Gathers; false when the Reshape is not that (the caller decides). */
export function stackedHeadsReshape(node: NodeProto, ctx: ChannelContext, x: ChannelLayout, inShape: Dim[], outShape: Dim[]): boolean {
  const a = x.axis;
  const c = segmentsLength(x.segments);
  const [n, h, d] = [outShape[a], outShape[a + 1], outShape[a + 2]];
  if (x.block !== 1 || x.unit !== undefined || x.outer !== undefined || outShape.length !== inShape.length + 2) return false;
  if (typeof n !== 'number' || typeof h !== 'number' || typeof d !== 'number' || n < 2 || n > 4 || d < 2 || n * h * d !== c) return false;
  if (!sameDims(outShape.slice(0, a), inShape.slice(0, a)) || !sameDims(outShape.slice(a + 3), inShape.slice(a + 1))) return false;
  const chain = stackReaders(ctx, node.output[0]!, a);
  if (!chain || chain.gathers.some((g) => g.index < -n || g.index >= n)) return false;
  // Cut the packed space into its n pieces (once), as torch's chunk does (see chunkSlice).
  const first = x.segments[0]!;
  if (x.segments.length === 1 && first.start === 0 && first.length === ctx.spaces[first.space]!.length) {
    if (!ctx.splitSpace(first.space, Array.from({ length: n - 1 }, (_, i) => ((i + 1) * c) / n))) return false;
  }
  const cut = ctx.layout(node.input[0])!;
  const len = c / n;
  if (cut.segments.length !== n || !cut.segments.every((s) => s.start === 0 && s.length === len && ctx.spaces[s.space]!.length === len)) return false;
  const id = ctx.id(node);
  const needs = outShape.map((): Need => ({ kind: 'stay' }));
  needs[a + 1] = { kind: 'count', unit: d };
  const problem = fixTarget(node, ctx, needs, { axis: a + 1, rank: outShape.length, segments: [cut.segments[0]!], block: 1, unit: d });
  if (problem) {
    keepEntriesStatic(node, ctx, 1);
    ctx.barrierNode(node, problem);
    return true;
  }
  ctx.requireTied(cut.segments.map((s: Segment) => s.space), `the ${n} pieces stacked at ${id} need to be pruned alike (attention ties Q, K and V; here they are not tied)`);
  for (const s of cut.segments) ctx.requireUnit(s.space, d);
  // The stacked tensor itself is read only by the Transpose and the Gathers: each Gather output gets its piece.
  const headAxis = chain.perm.indexOf(a + 1);
  const stackAxis = chain.perm.indexOf(a);
  for (const g of chain.gathers) {
    const piece = cut.segments[g.index < 0 ? g.index + n : g.index]!;
    ctx.presetLayout(g.node.output[0], { axis: headAxis > stackAxis ? headAxis - 1 : headAxis, rank: outShape.length - 1, segments: [piece], block: 1, unit: d });
  }
  ctx.consumed();
  return true;
}
