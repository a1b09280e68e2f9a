// Shape vectors that read a channel width. Exporters size Reshapes from the tensors around them
// (torch's `x.view(B, H, W, C)` with C read from another tensor's shape): after pruning that width
// the entry changes at run time. Where the entry must keep its value (it sizes a tensor whose own
// width is not pruned, or an axis that does not carry channels), it becomes its constant value when
// the exporter built the vector with Concat; otherwise the width it reads cannot be pruned.
import { TensorDataType, type NodeProto } from '../../onnx/proto.js';
import { passThrough, type ChannelRule } from './rules-pointwise.js';
import { attrInt } from '../attributes.js';
import type { ChannelContext } from './context.js';
import type { Segment } from './types.js';
import { channelAxesRead } from './computed-ints.js';
import { concatPiece } from './rules-attention.js';

/**
 * The `alsoWhen` of a computed entry: the segments of the widths it reads (`reads`) other than its
 * own channels — pruning those makes it a constant too (torch's `[T·B, embed_dim]` merge, Swin's
 * window reverse read the width from another tensor). Spread into the member.
 */
export function otherWidthsRead(ctx: ChannelContext, reads: readonly { tensor: string }[], own: readonly Segment[]): { alsoWhen?: Segment[] } {
  const others = reads.flatMap((r) => ctx.layout(r.tensor)!.segments).filter((s) => !own.some((o) => ctx.find(o.space) === ctx.find(s.space)));
  return others.length ? { alsoWhen: others } : {};
}

/**
 * Makes entry `position` of the shape vector `node.input[inputIndex]` keep its current value after
 * any pruning. Returns a reason when it cannot even tell what the entry reads.
 */
export function keepEntryStatic(node: NodeProto, ctx: ChannelContext, inputIndex: number, position: number): string | undefined {
  const name = node.input[inputIndex];
  if (!name || ctx.constant(name)) return undefined;
  const id = ctx.id(node);
  const piece = concatPiece(ctx, name, position);
  const reads = piece ? channelAxesRead(ctx, piece.node.input[piece.inputIndex]!) : channelAxesRead(ctx, name, position);
  if (!reads) return `${node.opType} at ${id}: shape entry ${position} is computed in a way that cannot be followed`;
  if (!reads.length) return undefined;
  const v = ctx.shapes.tensors.get(name)?.values?.[position];
  // torch's MultiheadAttention computes head_dim as embed_dim / heads from the input's shape: the
  // entry becomes its own (static) value, so the width it reads can be pruned under it.
  const frozen = piece && typeof v === 'number' && (ctx.ir.consumers.get(name)?.length ?? 0) === 1;
  for (const r of reads) {
    const segments = ctx.layout(r.tensor)!.segments;
    if (frozen) ctx.addMember({ kind: 'computed-entry', node: piece.node, inputIndex: piece.inputIndex, segments, block: 1, unit: 1, inferred: false, fixed: v, role: `Concat.input${piece.inputIndex} (${id} target entry ${position}, kept at ${v})` });
    else ctx.barrier(segments, `its width sizes ${node.opType} ${id} (shape entry ${position})`);
  }
  return undefined;
}

/** Every entry of the shape vector keeps its value (the data is not pruned), or the widths it reads become barriers. */
export function keepEntriesStatic(node: NodeProto, ctx: ChannelContext, inputIndex: number, except?: number): void {
  const name = node.input[inputIndex];
  if (!name || ctx.constant(name)) return;
  // Nothing to do unless some channel width is read (the common case: batch and token counts only).
  const reads = channelAxesRead(ctx, name);
  if (reads && !reads.length) return;
  const length = ctx.shapes.tensors.get(name)?.values?.length ?? (typeof ctx.shape(name)?.[0] === 'number' ? (ctx.shape(name)![0] as number) : undefined);
  if (length === undefined) {
    for (const r of reads ?? []) ctx.barrier(ctx.layout(r.tensor)!.segments, `its width sizes ${node.opType} ${ctx.id(node)}`);
    return;
  }
  for (let p = 0; p < length; p++) {
    if (p === except) continue;
    const problem = keepEntryStatic(node, ctx, inputIndex, p);
    if (problem) for (const r of reads ?? []) ctx.barrier(ctx.layout(r.tensor)!.segments, problem);
  }
}

/**
 * Cast: channels pass through; a size read from a channel width and cast to float (a scale such as
 * head_dim ** -0.5 computed from the input's shape) would silently change after pruning: it
 * becomes its constant value, or the width a barrier.
 */
const FLOATS = new Set<number>([TensorDataType.FLOAT, TensorDataType.FLOAT16, TensorDataType.DOUBLE, TensorDataType.BFLOAT16]);

export const cast: ChannelRule = (node, ctx) => {
  if (ctx.layout(node.input[0])) return passThrough(node, ctx);
  const name = node.input[0];
  // Integer casts stay shape arithmetic (the entries that use them are checked where they are used).
  if (!name || !FLOATS.has(attrInt(node, 'to', 0)) || ctx.constant(name) || !ctx.ir.producer.get(name)) return;
  const reads = channelAxesRead(ctx, name);
  if (!reads?.length) return;
  const info = ctx.shapes.tensors.get(name);
  const value = info?.values?.length === 1 ? info.values[0] : undefined;
  const dims = info?.shape;
  if (typeof value === 'number' && info?.dataType === TensorDataType.INT64 && dims?.every((d): d is number => typeof d === 'number') && dims.reduce((a, b) => a * b, 1) === 1) {
    const segments = reads.flatMap((r) => ctx.layout(r.tensor)!.segments);
    ctx.addMember({ kind: 'computed-entry', node, inputIndex: 0, segments, block: 1, unit: 1, inferred: false, fixed: value, dims, role: `Cast.input0 (a size read from a channel width, kept at ${value})` });
    return;
  }
  for (const r of reads) ctx.barrier(ctx.layout(r.tensor)!.segments, `its width is read as a number at ${ctx.id(node)}`);
};
