// Attention heads. A channel axis of width h·d splits into (heads × head_dim) at a Reshape, either
// as its own axis ([B, T, h, d], hand-written attention) or merged with the axis before it
// (MultiheadAttention's [T, B·h, d]). From there a position along the head axis stands for d
// channels (ChannelLayout.unit) and the spaces are pruned in whole heads (ChannelSpace.units).
// Q·Kᵀ and attention·V are MatMuls of two activations whose head axes are batch axes: they tie the
// heads of Q, K and V. The Reshape back to [.., h·d] turns heads into channels again, which the
// output projection reads. A packed QKV projection is cut by Slices whose bounds the graph computes
// from its own size (chunk(3)); they follow pruning by themselves when the three pieces keep the
// same channels, which is what attention ties, and is checked when groups are built.
import type { NodeProto } from '../../onnx/proto.js';
import type { Dim } from '../shapes.js';
import { mulDim } from '../shape-ops/dims.js';
import type { ChannelContext } from './context.js';
import { channelAxesRead, evaluateInts, SYMBOL_SAMPLES } from './computed-ints.js';
import type { ChannelRule } from './rules-pointwise.js';
import { segmentsLength } from './segments.js';
import { entryFollowsChannels } from './shape-provenance.js';
import { keepEntriesStatic, keepEntryStatic, otherWidthsRead } from './static-entries.js';
import type { ChannelLayout, Segment } from './types.js';

const sameDim = (a: Dim | undefined, b: Dim | undefined) => a !== undefined && a === b && a !== '?';
/** Same rank and every dim known equal ("?" is never equal). */
export const sameDims = (a: readonly Dim[], b: readonly Dim[]) => a.length === b.length && a.every((d, i) => sameDim(d, b[i]));

/** True when the layout carries heads (units of channels) or an outer factor. */
export function hasHeads(l: ChannelLayout | undefined): boolean {
  return !!l && ((l.unit ?? 1) > 1 || l.outer !== undefined);
}

/** True when two layouts hold the same kind of positions (so their axes can be tied). */
export function sameHeads(a: ChannelLayout, b: ChannelLayout): boolean {
  return (a.unit ?? 1) === (b.unit ?? 1) && a.outer === b.outer && a.block === b.block;
}

/** What an entry of a Reshape target must do after pruning. */
export type Need = { kind: 'stay' } | { kind: 'count'; unit: number } | { kind: 'inferred'; unit: number };

/**
 * The Reshape at a head split or merge. Returns false when the shapes are neither (the caller
 * then decides); true when it set the output layout or made a barrier.
 */
export function headReshape(node: NodeProto, ctx: ChannelContext, x: ChannelLayout, inShape: Dim[], outShape: Dim[]): boolean {
  const plan = hasHeads(x) ? mergePlan(x, inShape, outShape) : splitPlan(ctx, x, inShape, outShape);
  if (!plan) return false;
  const needs = outShape.map((): Need => ({ kind: 'stay' }));
  needs[plan.countAt] = plan.need;
  const problem = fixTarget(node, ctx, needs, plan.out);
  if (problem) {
    keepEntriesStatic(node, ctx, 1);
    ctx.barrierNode(node, problem);
    return true;
  }
  if ((plan.out.unit ?? 1) > 1) for (const s of plan.out.segments) ctx.requireUnit(s.space, plan.out.unit!);
  ctx.setLayout(node.output[0], plan.out);
  return true;
}

interface ReshapePlan {
  out: ChannelLayout;
  countAt: number;
  need: Need;
}

/** [.., C, ..] → [.., h, d, ..] (head axis of its own) or [.., X, C, ..] → [.., X·h, d, ..] (merged with the axis before). */
function splitPlan(ctx: ChannelContext, x: ChannelLayout, inShape: Dim[], out: Dim[]): ReshapePlan | undefined {
  const a = x.axis;
  const c = segmentsLength(x.segments);
  if (x.block !== 1 || inShape[a] !== c) return undefined;
  const aligned = (d: number) => x.segments.every((s) => s.start % d === 0 && s.length % d === 0);
  // Own head axis: [.., h, d, ..] in place of C.
  if (out.length === inShape.length + 1) {
    const h = out[a];
    const d = out[a + 1];
    if (typeof h === 'number' && typeof d === 'number' && h > 1 && d > 1 && h * d === c && aligned(d) &&
        sameDims(out.slice(0, a), inShape.slice(0, a)) && sameDims(out.slice(a + 2), inShape.slice(a + 1))) {
      return { out: { axis: a, rank: out.length, segments: x.segments, block: 1, unit: d }, countAt: a, need: { kind: 'count', unit: d } };
    }
  }
  // Merged with the axis before: [.., X, C, ..] → [.., X·h, d, ..].
  if (out.length === inShape.length && a >= 1) {
    const d = out[a];
    const outer = inShape[a - 1]!;
    if (typeof d === 'number' && d > 1 && c % d === 0 && c / d > 1 && aligned(d) && sameDim(out[a - 1], mulDim(outer, c / d)) &&
        sameDims(out.slice(0, a - 1), inShape.slice(0, a - 1)) && sameDims(out.slice(a + 1), inShape.slice(a + 1))) {
      const layout: ChannelLayout = { axis: a - 1, rank: out.length, segments: x.segments, block: 1, unit: d, ...(outer === 1 ? {} : { outer }) };
      return { out: layout, countAt: a - 1, need: outer === 1 ? { kind: 'count', unit: d } : { kind: 'inferred', unit: d } };
    }
  }
  void ctx;
  return undefined;
}

/** [.., h, d, ..] → [.., h·d, ..], or [.., X·h, d, ..] → [.., X, h·d, ..]-merged ([T, B·h, d] → [T·B, E]). */
function mergePlan(x: ChannelLayout, inShape: Dim[], out: Dim[]): ReshapePlan | undefined {
  const a = x.axis;
  const d = x.unit ?? 1;
  const c = segmentsLength(x.segments);
  if (d <= 1 || inShape[a + 1] !== d || out.length !== inShape.length - 1) return undefined;
  const plain = (axis: number): ChannelLayout => ({ axis, rank: out.length, segments: x.segments, block: 1 });
  if (x.outer === undefined) {
    if (out[a] === c && sameDims(out.slice(0, a), inShape.slice(0, a)) && sameDims(out.slice(a + 1), inShape.slice(a + 2))) {
      return { out: plain(a), countAt: a, need: { kind: 'count', unit: 1 } };
    }
    return undefined;
  }
  // The outer factor (batch) goes back into the axis before the heads.
  if (a >= 1 && out[a] === c && sameDim(out[a - 1], mulDim(inShape[a - 1]!, x.outer)) &&
      sameDims(out.slice(0, a - 1), inShape.slice(0, a - 1)) && sameDims(out.slice(a + 1), inShape.slice(a + 2))) {
    return { out: plain(a), countAt: a, need: { kind: 'count', unit: 1 } };
  }
  return undefined;
}

/** The Concat input that holds entry `position` of the shape vector `name`, if it is built by one. */
export function concatPiece(ctx: ChannelContext, name: string, position: number): { node: NodeProto; inputIndex: number } | undefined {
  const node = ctx.ir.producer.get(name);
  if (node?.opType !== 'Concat') return undefined;
  let p = position;
  for (let i = 0; i < node.input.length; i++) {
    const s = ctx.shape(node.input[i]);
    const n = s?.length === 1 ? s[0] : s?.length === 0 ? 1 : undefined;
    if (typeof n !== 'number') return undefined;
    if (p < n) return n === 1 ? { node, inputIndex: i } : undefined;
    p -= n;
  }
  return undefined;
}

/**
 * Makes every entry of the Reshape target right after pruning: `count` entries become the kept
 * count (a constant rewritten, a computed Concat piece replaced by a constant), `inferred` ones -1,
 * `stay` entries must not read any channel axis (when they read one, that axis becomes a barrier:
 * its width sizes this Reshape). Returns why it cannot, or undefined.
 */
export function fixTarget(node: NodeProto, ctx: ChannelContext, needs: Need[], out: ChannelLayout): string | undefined {
  const name = node.input[1];
  if (!name) return 'Reshape without a target shape';
  const constant = !!ctx.constant(name);
  const values = ctx.shapes.tensors.get(name)?.values;
  if (!values || values.length !== needs.length) return 'Reshape at attention heads with a target shape of unknown values';
  const id = ctx.id(node);
  for (let position = 0; position < needs.length; position++) {
    const need = needs[position]!;
    const v = values[position];
    if (need.kind === 'stay') {
      if (constant) continue;
      const problem = keepEntryStatic(node, ctx, 1, position);
      if (problem) return problem;
      continue;
    }
    if (v === -1) continue;
    if (need.kind === 'count' && constant) {
      ctx.addMember({ kind: 'shape-entry', node, inputIndex: 1, position, segments: out.segments, block: 1, unit: need.unit, role: `Reshape.shape[${position}] (${need.unit > 1 ? 'heads' : 'channels'})` });
      continue;
    }
    if (need.kind === 'count' && need.unit === 1 && out.outer === undefined && entryFollowsChannels(ctx, name, position, out)) continue;
    const piece = concatPiece(ctx, name, position);
    if (!piece || (ctx.ir.consumers.get(name)?.length ?? 0) !== 1) return `Reshape at attention heads: target entry ${position} counts heads but is neither a constant nor a Concat piece`;
    if (need.kind === 'inferred' && values.some((w, i) => i !== position && (w === -1 || w === '?'))) return `Reshape at attention heads: target entry ${position} cannot be inferred (another entry is -1)`;
    // The piece may read other channels' width too (torch computes [T·B, embed_dim] from the query's shape).
    const reads = channelAxesRead(ctx, piece.node.input[piece.inputIndex]!) ?? [];
    ctx.addMember({
      kind: 'computed-entry', node: piece.node, inputIndex: piece.inputIndex, segments: out.segments, block: 1, unit: need.unit, inferred: need.kind === 'inferred',
      ...otherWidthsRead(ctx, reads, out.segments), role: `Concat.input${piece.inputIndex} (${id} target entry ${position})`,
    });
  }
  return undefined;
}

/** True when two segment lists hold exactly the same channels (same groups, same ranges). */
function sameChannels(ctx: ChannelContext, a: readonly Segment[], b: readonly Segment[]): boolean {
  return a.length === b.length && a.every((s, i) => ctx.find(s.space) === ctx.find(b[i]!.space) && s.start === b[i]!.start && s.length === b[i]!.length);
}

/**
 * The kept counts a chunk-bound proof evaluates: every count up to 64, then 64 spread up to `len`
 * (always including it). Bounds are built from +, −, × and floor-division by small constants, so
 * they repeat with a period dividing those constants' lcm: the dense prefix covers a period, the
 * spread samples confirm the slope. ViT-B/16 (768 wide, 36 slices) went from 2.2 s to a few ms.
 */
function keptCountsToCheck(len: number): number[] {
  const dense = Array.from({ length: Math.min(len, 64) }, (_, i) => i + 1);
  if (len <= 64) return dense;
  const spread = Array.from({ length: 64 }, (_, i) => Math.round(64 + ((len - 64) * (i + 1)) / 64));
  return [...new Set([...dense, ...spread])];
}

/**
 * A Slice of the channel axis whose bounds the graph computes from the input's own size (torch's
 * chunk: Shape → Gather → Add → Div → Mul): for every channel count a plan may leave in equal
 * pieces, the bounds must still cut piece k. Then the input space is cut into the pieces (to be
 * tied later by attention), the output carries piece k, and no constant needs rewriting. False when
 * the bounds are not such a chunk (the caller makes a barrier).
 */
export function chunkSlice(node: NodeProto, ctx: ChannelContext, x: ChannelLayout, k: number, start: number, end: number): boolean {
  const dim = segmentsLength(x.segments);
  const clamp = (v: number, n: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s0 = clamp(start, dim);
  const len = clamp(end, dim) - s0;
  const n = len > 0 ? dim / len : 0;
  if (!Number.isInteger(n) || n < 2 || s0 % len !== 0 || x.block !== 1 || hasHeads(x)) return false;
  const piece = s0 / len;
  // The bounds may read no channel axis but this one.
  for (const input of [node.input[1]!, node.input[2]!]) {
    const reads = channelAxesRead(ctx, input);
    if (!reads || reads.some((r) => r.axis !== x.axis || !sameChannels(ctx, ctx.layout(r.tensor)!.segments, x.segments))) return false;
  }
  for (const symbol of SYMBOL_SAMPLES) {
    for (const kept of keptCountsToCheck(len)) {
      const override = (tensor: string, axis: number) => (ctx.layout(tensor)?.axis === axis && tensor !== undefined && sameChannels(ctx, ctx.layout(tensor)!.segments, x.segments) ? n * kept : undefined);
      const s = evaluateInts(ctx, node.input[1]!, override, symbol)?.[k];
      const e = evaluateInts(ctx, node.input[2]!, override, symbol)?.[k];
      if (s === undefined || e === undefined || clamp(s, n * kept) !== piece * kept || clamp(e, n * kept) !== (piece + 1) * kept) return false;
    }
  }
  // Cut the packed space into n pieces (once: a sibling Slice may have done it).
  const first = x.segments[0]!;
  if (x.segments.length === 1 && first.start === 0 && first.length === ctx.spaces[first.space]!.length) {
    if (!ctx.splitSpace(first.space, Array.from({ length: n - 1 }, (_, i) => (i + 1) * len))) return false;
  }
  const cut = ctx.layout(node.input[0])!;
  const whole = (s: Segment) => s.start === 0 && s.length === len && ctx.spaces[s.space]!.length === len;
  if (cut.segments.length !== n || !cut.segments.every(whole)) return false;
  ctx.requireTied(cut.segments.map((s) => s.space), `Slice bounds computed from the packed width at ${ctx.id(node)} need its ${n} pieces pruned alike (attention ties Q, K and V; here they are not tied)`);
  ctx.setLayout(node.output[0], { ...cut, segments: [cut.segments[piece]!] });
  return true;
}

/**
 * MatMul of two activations (attention's Q·Kᵀ and attention·V). A head axis among the batch axes is
 * tied to the other input's (same position from the right); channels on the rows of A or the
 * columns of B pass to the output when the other input does not carry channels. Channels on the
 * contracted axis, or on both outputs axes at once, are barriers.
 */
export const matmulActivations: ChannelRule = (node, ctx) => {
  const a = ctx.layout(node.input[0]);
  const b = ctx.layout(node.input[1]);
  if (!a && !b) return;
  const id = ctx.id(node);
  const aShape = ctx.shape(node.input[0]);
  const bShape = ctx.shape(node.input[1]);
  const outRank = ctx.shape(node.output[0])?.length;
  if (!aShape || !bShape || outRank === undefined || aShape.length < 2 || bShape.length < 2) return ctx.barrierNode(node, 'MatMul of activations with unknown shapes');
  const role = (l: ChannelLayout, isA: boolean) => (l.axis === l.rank - 1 ? (isA ? 'k' : 'n') : l.axis === l.rank - 2 ? (isA ? 'm' : 'k') : 'batch');
  const ra = a && role(a, true);
  const rb = b && role(b, false);
  if (ra === 'k' || rb === 'k') return ctx.barrierNode(node, 'MatMul contracts the channel axis of two activations');
  const fromRight = (l: ChannelLayout) => l.rank - l.axis;
  if (a && b) {
    if (ra !== 'batch' || rb !== 'batch') return ctx.barrierNode(node, 'MatMul of two activations that both carry channels outside the batch axes');
    if (fromRight(a) !== fromRight(b) || !sameHeads(a, b)) return ctx.barrierNode(node, 'MatMul of two activations with head axes at different places');
    if (!ctx.unite(a.segments, b.segments)) return ctx.barrierNode(node, 'MatMul of two activations whose heads cannot be tied');
    return ctx.setLayout(node.output[0], { ...a, axis: outRank - fromRight(a), rank: outRank });
  }
  const l = (a ?? b)!;
  const r = (ra ?? rb)!;
  if (r === 'batch') {
    // The other input must broadcast along the head axis, or its values would pair with the wrong heads.
    const other = a ? bShape : aShape;
    const pos = other.length - fromRight(l);
    if (pos >= 0 && other[pos] !== 1) return ctx.barrierNode(node, 'MatMul pairs tracked heads with an untracked activation');
    return ctx.setLayout(node.output[0], { ...l, axis: outRank - fromRight(l), rank: outRank });
  }
  if (hasHeads(l)) return ctx.barrierNode(node, `MatMul with heads on a matrix axis at ${id}`);
  // Rows of A (m) or columns of B (n): each output row/column depends on that row/column only.
  ctx.setLayout(node.output[0], { ...l, axis: r === 'm' ? outRank - 2 : outRank - 1, rank: outRank });
};
