// Rules for ops that move, cut, join or reshape the channel axis.
import { attrInt, attrInts } from '../attributes.js';
import type { Dim } from '../shapes.js';
import { product, UNKNOWN } from '../shape-ops/dims.js';
import type { ChannelContext } from './context.js';
import { normAxis } from './context.js';
import type { ChannelRule } from './rules-pointwise.js';
import { layoutPositions, segmentsLength, subSegments } from './segments.js';
import type { ChannelLayout, Segment } from './types.js';
import type { NodeProto } from '../../onnx/proto.js';
import { entryFollowsChannels } from './shape-provenance.js';
import { sliceConstantInput } from './constant-sources.js';
import { keepEntriesStatic, otherWidthsRead } from './static-entries.js';
import { stackedHeadsReshape } from './rules-stacked-heads.js';
import { channelAxesRead } from './computed-ints.js';
import { chunkSlice, concatPiece, hasHeads, headReshape, sameHeads } from './rules-attention.js';

// Reshape target entries that size themselves: -1 is inferred, 0 copies the input's dim (allowzero=0).
const RESHAPE_SELF_SIZING = [-1, 0];

export const transpose: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  const perm = attrInts(node, 'perm', [...Array(x.rank).keys()].reverse());
  ctx.setLayout(node.output[0], { ...x, axis: perm.indexOf(x.axis) });
};

export const squeeze: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  let axes = ctx.intsArg(node, 1, 'axes', 13);
  if (axes === 'dynamic') return ctx.barrierNode(node, 'Squeeze with dynamic axes');
  if (!axes) {
    const shape = ctx.shape(node.input[0]);
    if (!shape) return ctx.barrierNode(node, 'Squeeze of unknown shape');
    axes = shape.flatMap((d, i) => (d === 1 ? [i] : []));
  }
  const norm = axes.map((a) => normAxis(a, x.rank));
  if (norm.includes(x.axis)) return ctx.barrierNode(node, 'Squeeze removes the channel axis');
  ctx.setLayout(node.output[0], { ...x, axis: x.axis - norm.filter((a) => a < x.axis).length, rank: x.rank - norm.length });
};

export const unsqueeze: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  const axes = ctx.intsArg(node, 1, 'axes', 13);
  if (!axes || axes === 'dynamic') return ctx.barrierNode(node, 'Unsqueeze with unknown axes');
  const rank = x.rank + axes.length;
  const inserted = new Set(axes.map((a) => normAxis(a, rank)));
  let seen = -1;
  for (let i = 0; i < rank; i++) {
    if (!inserted.has(i)) seen++;
    if (seen === x.axis) return ctx.setLayout(node.output[0], { ...x, axis: i, rank });
  }
};

const dropOnes = (dims: readonly Dim[]) => dims.filter((d) => d !== 1);
const sameDims = (a: readonly Dim[], b: readonly Dim[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const sameProduct = (a: readonly Dim[], b: readonly Dim[]) => {
  const p = product(a);
  return p !== UNKNOWN && p === product(b);
};
const numericProduct = (dims: readonly Dim[]) => dims.reduce<number | undefined>((p, d) => (p !== undefined && typeof d === 'number' ? p * d : undefined), 1);

/**
 * Where the channel axis lands when it survives as its own axis: only size-1 axes come or go around
 * it, or the axes on either side merge or split among themselves ([B, C, h, w] → [B, C, h·w] at a
 * patch embedding, [T·B, C] → [T, B, C] after an attention projection, Swin's attention viewed per
 * window [B·nW, h, N, N] → [B, nW, h, N, N]): equal products before and after it keep every
 * element's channel coordinate. Works for head axes too (a position is a head).
 */
function ownAxis(x: ChannelLayout, inShape: Dim[], outShape: Dim[]): number | undefined {
  const positions = layoutPositions(x);
  const before = dropOnes(inShape.slice(0, x.axis));
  for (let j = 0; j < outShape.length; j++) {
    if (outShape[j] === positions && sameDims(dropOnes(outShape.slice(0, j)), before) && sameDims(dropOnes(outShape.slice(j + 1)), dropOnes(inShape.slice(x.axis + 1)))) return j;
  }
  for (let j = 0; j < outShape.length; j++) {
    if (outShape[j] === positions && sameProduct(outShape.slice(0, j), inShape.slice(0, x.axis)) && sameProduct(outShape.slice(j + 1), inShape.slice(x.axis + 1))) return j;
  }
  return undefined;
}

/** Where the channel axis lands when `inShape` becomes `outShape`, and its new block size; undefined when channels get mixed. */
function reshapedAxis(x: ChannelLayout, inShape: Dim[], outShape: Dim[]): { axis: number; block: number } | undefined {
  const own = ownAxis(x, inShape, outShape);
  if (own !== undefined) return { axis: own, block: x.block };
  const positions = segmentsLength(x.segments) * x.block;
  const before = dropOnes(inShape.slice(0, x.axis));
  for (let j = 0; j < outShape.length; j++) {
    if (!sameDims(dropOnes(outShape.slice(0, j)), before)) continue;
    // The channel axis merges with every axis after it (Flatten before a classifier).
    const trailing = numericProduct(inShape.slice(x.axis + 1));
    if (trailing !== undefined && outShape[j] === positions * trailing && dropOnes(outShape.slice(j + 1)).length === 0) return { axis: j, block: x.block * trailing };
  }
  return undefined;
}

function mixReason(node: NodeProto, ctx: ChannelContext, x: ChannelLayout, outShape: Dim[]): string {
  const next = ctx.ir.consumers.get(node.output[0]!)?.[0]?.node;
  if (next?.opType === 'InstanceNormalization') return 'Reshape mixes channels into groups (GroupNorm reshape)';
  // Channels-last flatten (TF exports): feature = position·C + channel, so a channel's features are strided, not a block.
  if (x.axis === x.rank - 1 && outShape.length < x.rank) return 'Reshape merges the channel axis with the axes before it (channels-last flatten)';
  return 'Reshape mixes channels (channel shuffle)';
}

export const reshape: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  // Untracked data keeps its size: so must every entry of its target.
  if (!x) return keepEntriesStatic(node, ctx, 1);
  // A barrier keeps the data's size, so the target must keep every entry too.
  const barrier = (reason: string) => {
    keepEntriesStatic(node, ctx, 1);
    ctx.barrierNode(node, reason);
  };
  const inShape = ctx.shape(node.input[0]);
  const outShape = ctx.shape(node.output[0]);
  if (!inShape || !outShape) return barrier('Reshape with unknown shapes');
  // Heads move as whole positions only (never merged with other axes); heads folded into the batch do not move.
  const headAxis = hasHeads(x) && x.outer === undefined ? ownAxis(x, inShape, outShape) : undefined;
  const moved = hasHeads(x) ? (headAxis === undefined ? undefined : { axis: headAxis, block: x.block }) : reshapedAxis(x, inShape, outShape);
  if (!moved && headReshape(node, ctx, x, inShape, outShape)) return;
  if (!moved && !hasHeads(x) && stackedHeadsReshape(node, ctx, x, inShape, outShape)) return;
  if (!moved) return barrier(hasHeads(x) ? 'Reshape mixes channels (channel shuffle): channels split into (heads, head_dim) do not come back in order' : mixReason(node, ctx, x, outShape));
  const out: ChannelLayout = { axis: moved.axis, rank: outShape.length, segments: x.segments, block: moved.block, ...(x.unit ? { unit: x.unit } : {}) };
  if (!shapeEntryMember(node, ctx, 1, moved.axis, out, RESHAPE_SELF_SIZING)) return barrier('Reshape target shape counts channels but is neither a constant nor the channels’ own size');
  keepEntriesStatic(node, ctx, 1, moved.axis);
  ctx.setLayout(node.output[0], out);
};

/**
 * Accounts for the entry of a shape vector (Reshape/Expand target, Resize sizes) that counts
 * channels: a constant entry becomes a member (rewritten to the kept count), an entry computed from
 * the same channels' own dimension follows by itself, `selfSizing` values (Reshape's -1 and 0,
 * Expand's 1) follow too; false when the entry cannot be made right.
 */
function shapeEntryMember(node: NodeProto, ctx: ChannelContext, inputIndex: number, position: number, out: ChannelLayout, selfSizing: readonly number[]): boolean {
  const name = node.input[inputIndex];
  if (!name) return true;
  if (entryFollowsChannels(ctx, name, position, out)) return true;
  const v = ctx.shapes.tensors.get(name)?.values?.[position] ?? ctx.ints(name)?.[position];
  if (v === undefined) return false;
  if (typeof v === 'number' && selfSizing.includes(v)) return true;
  if (ctx.constant(name)) {
    ctx.addMember({ kind: 'shape-entry', node, inputIndex, position, segments: out.segments, block: out.block, ...((out.unit ?? 1) > 1 ? { unit: out.unit } : {}), role: `${node.opType}.shape[${position}]` });
    return true;
  }
  // A computed target whose channel entry is its own Concat piece (torch's flatten(2) of a patch
  // embedding: Concat(batch, 32, h·w)) becomes the kept count. When the piece reads another
  // tensor's width (Swin's window reverse view(B, h, w, ws, ws, C), C from the block input), it is
  // rewritten when either is pruned.
  const piece = concatPiece(ctx, name, position);
  if (!piece || typeof v !== 'number' || (ctx.ir.consumers.get(name)?.length ?? 0) !== 1) return false;
  const reads = ctx.constant(piece.node.input[piece.inputIndex]) ? [] : channelAxesRead(ctx, piece.node.input[piece.inputIndex]!);
  if (!reads) return false;
  ctx.addMember({
    kind: 'computed-entry', node: piece.node, inputIndex: piece.inputIndex, segments: out.segments, block: out.block, unit: out.unit ?? 1, inferred: false,
    ...otherWidthsRead(ctx, reads, out.segments), role: `Concat.input${piece.inputIndex} (${ctx.id(node)} target entry ${position})`,
  });
  return true;
}

export const flatten: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  const shape = ctx.shape(node.input[0]);
  if (!shape) return ctx.barrierNode(node, 'Flatten of unknown shape');
  const f = normAxis(attrInt(node, 'axis', 1), x.rank);
  const trailing = numericProduct(shape.slice(x.axis + 1));
  const onesBetween = shape.slice(f, x.axis).every((d) => d === 1);
  if (f > x.axis || !onesBetween || trailing === undefined) return ctx.barrierNode(node, 'Flatten mixes the channel axis with leading axes');
  ctx.setLayout(node.output[0], { axis: 1, rank: 2, segments: x.segments, block: x.block * trailing });
};

export const concat: ChannelRule = (node, ctx) => {
  const layouts = node.input.map((n) => ctx.layout(n));
  const ref = layouts.find((l): l is ChannelLayout => !!l);
  if (!ref) return;
  const axis = normAxis(attrInt(node, 'axis', 0), ref.rank);
  const id = ctx.id(node);
  if (axis !== ref.axis) {
    for (let i = 0; i < layouts.length; i++) {
      const l = layouts[i];
      // A constant joined along another axis (ViT's class token, prepended to the patch tokens) is
      // sliced along the channel axis with the tensors it joins.
      if (!l && !hasHeads(ref) && ref.block === 1 && ctx.shape(node.input[i])?.[ref.axis] === segmentsLength(ref.segments) &&
          sliceConstantInput(ctx, node, i, ref.axis, ref, false, `Concat.input${i} (constant)`)) continue;
      if (!l || l.axis !== ref.axis || !sameHeads(l, ref)) return ctx.barrierNode(node, 'Concat of inputs with different channel axes');
      if (!ctx.unite(ref.segments, l.segments)) return ctx.barrierNode(node, 'Concat combines differently concatenated channels');
    }
    return ctx.setLayout(node.output[0], ref);
  }
  if (hasHeads(ref)) return ctx.barrierNode(node, 'Concat along the attention-head axis');
  const segments: Segment[] = [];
  for (let i = 0; i < node.input.length; i++) {
    const l = layouts[i];
    if (l) {
      if (l.axis !== axis || l.block !== ref.block) return ctx.barrierNode(node, 'Concat of inputs with different channel layouts');
      segments.push(...l.segments);
      continue;
    }
    // An untracked input (graph input, constant) joins as channels that are never pruned.
    const d = ctx.shape(node.input[i])?.[axis];
    if (typeof d !== 'number' || ref.block !== 1) return ctx.barrierNode(node, `Concat input "${node.input[i]}" has an unknown channel count`);
    const space = ctx.newSpace(d, `${id}:input${i}`);
    ctx.spaces[space]!.barriers.push(`untracked input "${node.input[i]}" of Concat ${id}`);
    segments.push({ space, start: 0, length: d });
  }
  ctx.setLayout(node.output[0], { ...ref, segments });
};

export const split: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  const axis = normAxis(attrInt(node, 'axis', 0), x.rank);
  if (axis !== x.axis) {
    for (const out of node.output) ctx.setLayout(out, x);
    return;
  }
  if (hasHeads(x)) return ctx.barrierNode(node, 'Split along the attention-head axis');
  const sizesArg = ctx.intsArg(node, 1, 'split', 13);
  if (sizesArg === 'dynamic') return ctx.barrierNode(node, 'Split sizes are not constant');
  const positions = segmentsLength(x.segments) * x.block;
  const n = node.output.length;
  const chunk = Math.ceil(positions / n);
  const sizes = sizesArg ?? Array.from({ length: n }, (_, i) => Math.min(chunk, positions - chunk * i));
  if (sizes.some((s) => s % x.block !== 0)) return ctx.barrierNode(node, 'Split cuts inside a channel block');
  let offset = 0;
  const outputs = sizes.map((s) => {
    const segs = subSegments(x.segments, offset / x.block, s / x.block);
    offset += s;
    return segs;
  });
  ctx.addMember({ kind: 'split', node, axis, outputs, block: x.block, role: 'Split.split' });
  node.output.forEach((out, i) => ctx.setLayout(out, { ...x, segments: outputs[i]! }));
};

export const slice: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  const legacy = ctx.opset < 10;
  const starts = legacy ? attrInts(node, 'starts') : ctx.ints(node.input[1]);
  const ends = legacy ? attrInts(node, 'ends') : ctx.ints(node.input[2]);
  const axesArg = legacy ? attrInts(node, 'axes') : node.input[3] ? ctx.ints(node.input[3]) : [];
  const steps = legacy ? [] : node.input[4] ? ctx.ints(node.input[4]) : [];
  if (!starts || !ends || !axesArg || !steps) return ctx.barrierNode(node, 'Slice with dynamic parameters');
  const axes = (axesArg.length ? axesArg : starts.map((_, i) => i)).map((a) => normAxis(a, x.rank));
  const k = axes.indexOf(x.axis);
  if (k < 0) return ctx.setLayout(node.output[0], x);
  if (hasHeads(x)) return ctx.barrierNode(node, 'Slice along the attention-head axis');
  const direct = legacy || (ctx.constant(node.input[1]) && ctx.constant(node.input[2]));
  // Bounds computed from the input's own width (torch's chunk of a packed QKV projection).
  if (!direct && (steps[k] ?? 1) === 1 && chunkSlice(node, ctx, x, k, starts[k]!, ends[k]!)) return;
  if ((steps[k] ?? 1) !== 1 || !direct || x.block !== 1) return ctx.barrierNode(node, 'Slice on the channel axis with a step or bounds that are neither constant nor a chunk of its own width');
  const dim = segmentsLength(x.segments);
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
  const s = clamp(starts[k]!);
  const e = Math.max(s, clamp(ends[k]!));
  const before = subSegments(x.segments, 0, s);
  const inside = subSegments(x.segments, s, e - s);
  ctx.addMember({ kind: 'slice-range', node, axesIndex: k, before, inside, block: 1, role: 'Slice.starts/ends' });
  ctx.setLayout(node.output[0], { ...x, segments: inside });
};

export const expand: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  const shape = ctx.ints(node.input[1]);
  if (!shape) return ctx.barrierNode(node, 'Expand with a dynamic shape');
  const rank = Math.max(x.rank, shape.length);
  const out: ChannelLayout = { ...x, axis: rank - (x.rank - x.axis), rank };
  const pos = shape.length - (x.rank - x.axis);
  if (pos >= 0 && !shapeEntryMember(node, ctx, 1, pos, out, [1])) return ctx.barrierNode(node, 'Expand shape counts channels but is neither a constant nor the channels’ own size');
  ctx.setLayout(node.output[0], out);
};

export const tile: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  const repeats = ctx.ints(node.input[1]);
  if (!repeats || repeats[x.axis] !== 1) return ctx.barrierNode(node, 'Tile repeats the channel axis');
  ctx.setLayout(node.output[0], x);
};

export const pad: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  const pads = ctx.opset >= 11 ? ctx.ints(node.input[1]) : attrInts(node, 'pads');
  if (node.input[3] || !pads || pads[x.axis] !== 0 || pads[x.axis + x.rank] !== 0) return ctx.barrierNode(node, 'Pad may pad the channel axis');
  ctx.setLayout(node.output[0], x);
};

/** Resize/Upsample: the channel scale must be 1; a constant `sizes` entry for channels is rewritten. */
export const resize: ChannelRule = (node, ctx) => {
  const x = ctx.layout(node.input[0]);
  if (!x) return;
  const scalesIndex = node.opType === 'Upsample' || ctx.opset < 11 ? 1 : 2;
  const scales = ctx.opset < 9 ? node.attribute.find((a) => a.name === 'scales')?.floats : node.input[scalesIndex] ? ctx.ints(node.input[scalesIndex]) : undefined;
  if (scales && scales.length > 0 && scales[x.axis] !== 1) return ctx.barrierNode(node, `${node.opType} scales the channel axis`);
  if (node.opType === 'Resize' && node.input[3] && !shapeEntryMember(node, ctx, 3, x.axis, x, [])) return ctx.barrierNode(node, 'Resize sizes count channels but are neither constant nor the channels’ own size');
  ctx.setLayout(node.output[0], x);
};
