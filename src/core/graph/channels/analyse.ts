// Channel-dependency analysis: which channels must be pruned together (groups), which constants
// and attributes change when they are (members), and what forbids pruning (barriers).
//
// One forward walk in topological order assigns every channel-carrying tensor a layout (axis +
// segments of channel spaces). Producers create spaces, element-wise ops and depthwise convs tie
// them (union-find), Concat/Split/Slice cut and join segments. Anything not understood that
// touches a tracked channel axis makes the spaces involved non-prunable, with a readable reason.
import type { NodeProto } from '../../onnx/proto.js';
import type { GraphIR } from '../ir.js';
import { inferShapes, type ShapeResult } from '../shapes.js';
import { ChannelContext, type AnalysisOptions } from './context.js';

export type { AnalysisOptions } from './context.js';
import { conv, convInteger, convTranspose, gemm, matmul, matmulInteger, qlinearConv, qlinearMatmul } from './rules-linear.js';
import { dynamicQuantizeLinear, quantizeLinear } from './rules-quantized.js';
import { concat, expand, flatten, pad, reshape, resize, slice, split, squeeze, tile, transpose, unsqueeze } from './rules-layout.js';
import { elementwise, gather, layerNorm, passThrough, perChannelNorm, pool, reduce, sink, softmax, type ChannelRule } from './rules-pointwise.js';
import type { ChannelGroup, ChannelLayout, ChannelSpace, Member, Segment } from './types.js';
import { assertNever } from '../../assert.js';
import { isDefaultDomain, opTraits, rulesByOp, type ChannelRuleId } from '../op-traits.js';
import { hasHeads } from './rules-attention.js';
import { cast } from './static-entries.js';

/** Statistics are taken over groups of channels: removing one changes the others' values. */
const groupNorm: ChannelRule = (node, ctx) => ctx.barrierNode(node, 'group normalization (GroupNormalization) normalises channels in groups');

/** The implementation of every channel rule id; which op uses which is in op-traits. */
const CHANNEL_RULES: Record<ChannelRuleId, ChannelRule> = {
  passThrough, cast, elementwise, pool, reduce, gather, softmax, sink, conv, convTranspose, gemm, matmul, layerNorm, groupNorm,
  // PRelu's slope is a broadcast input like any other: the element-wise rule ties or slices it.
  prelu: elementwise,
  batchNorm: perChannelNorm(['scale', 'bias', 'mean', 'var']),
  instanceNorm: perChannelNorm(['scale', 'bias']),
  transpose, squeeze, unsqueeze, flatten, reshape, concat, split, slice, expand, tile, pad, resize,
  convInteger, qlinearConv, matmulInteger, qlinearMatmul, quantizeLinear, dynamicQuantizeLinear,
};

const RULES = rulesByOp('channel', CHANNEL_RULES);

/**
 * The rules that understand layouts carrying attention heads (positions of head_dim channels, a
 * batch factor on the axis). Any other rule reached by heads is a barrier: it would read a head
 * position as one channel.
 */
const HEAD_AWARE = new Set<ChannelRuleId>(['passThrough', 'cast', 'softmax', 'reduce', 'sink', 'transpose', 'squeeze', 'unsqueeze', 'reshape', 'elementwise', 'matmul', 'concat', 'split', 'slice', 'tile', 'pad']);

/** Result of analyseChannels. */
export interface ChannelAnalysis {
  ir: GraphIR;
  shapes: ShapeResult;
  spaces: ChannelSpace[];
  /** Channel layout of every tensor that carries tracked channels. */
  layouts: Map<string, ChannelLayout>;
  members: Member[];
  groups: ChannelGroup[];
  /** Space index → index into `groups`. */
  groupOfSpace: number[];
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

/** Segments a member touches. */
export function memberSegments(m: Member): Segment[] {
  switch (m.kind) {
    case 'split': return m.outputs.flat();
    case 'slice-range': return [...m.before, ...m.inside];
    case 'slice': case 'grouped-in': case 'group-attr': case 'shape-entry': case 'computed-entry': return m.segments;
    default: return assertNever(m, 'member kind');
  }
}

/** Finds the channel groups of a graph (shapes are inferred when not given). */
export function analyseChannels(ir: GraphIR, shapes: ShapeResult = inferShapes(ir), options: AnalysisOptions = {}): ChannelAnalysis {
  const ctx = new ChannelContext(ir, shapes, options);
  for (const node of ir.nodes) visit(node, ctx);
  for (const out of ir.outputs) {
    const l = ctx.layouts.get(out);
    if (l) ctx.barrier(l.segments, `model output (class channels): ${out}`);
  }
  // Subgraphs (If/Loop bodies) may read outer tensors by name; their shapes must not change.
  for (const name of subgraphReads(ir.nodes)) {
    const l = ctx.layouts.get(name);
    if (l) ctx.barrier(l.segments, `read inside a subgraph (If/Loop/Scan): ${name}`);
  }
  return buildGroups(ctx);
}

/** Tensor names read by nodes of any subgraph (recursively). */
function subgraphReads(nodes: readonly NodeProto[], into = new Set<string>(), nested = false): Set<string> {
  for (const n of nodes) {
    if (nested) for (const i of n.input) if (i) into.add(i);
    for (const a of n.attribute) {
      if (a.g) subgraphReads(a.g.node as NodeProto[], into, true);
      for (const g of a.graphs) subgraphReads(g.node as NodeProto[], into, true);
    }
  }
  return into;
}

function visit(node: NodeProto, ctx: ChannelContext): void {
  const tracked = node.input.some((n) => n && ctx.layouts.has(n));
  const rule = isDefaultDomain(node.domain) ? RULES[node.opType] : undefined;
  const id = rule ? opTraits(node.opType)?.channel : undefined;
  if (id && !HEAD_AWARE.has(id) && node.input.some((n) => hasHeads(ctx.layout(n)))) {
    return ctx.barrierNode(node, `${node.opType} does not follow attention heads`);
  }
  // Producers run even without tracked inputs (they create spaces); other rules only matter when channels reach them.
  if (rule) ctx.followed(node, rule);
  else if (tracked) ctx.barrierNode(node, `unsupported op ${node.domain ? `${node.domain}.` : ''}${node.opType} (unknown op)`);
}

function buildGroups(ctx: ChannelContext): ChannelAnalysis {
  for (const { spaces, reason } of ctx.mustTie) {
    if (spaces.some((s) => ctx.find(s) !== ctx.find(spaces[0]!))) ctx.barrier(spaces.map((space) => ({ space, start: 0, length: ctx.spaces[space]!.length })), reason);
  }
  const groups: ChannelGroup[] = [];
  const groupOfSpace: number[] = [];
  const byRoot = new Map<number, ChannelGroup>();
  for (const space of ctx.spaces) {
    const root = ctx.find(space.index);
    let g = byRoot.get(root);
    if (!g) {
      const r = ctx.spaces[root]!;
      g = { id: r.name, channels: r.length, spaces: [], members: [], prunable: true, barriers: [], channelStatistics: false, blocks: 1, unit: 1 };
      byRoot.set(root, g);
      groups.push(g);
    }
    g.spaces.push(space.index);
    for (const b of space.barriers) if (!g.barriers.includes(b)) g.barriers.push(b);
    g.channelStatistics ||= !!space.channelStatistics;
    for (const b of space.blocks ?? []) g.blocks = lcm(g.blocks, b);
    for (const u of space.units ?? []) g.unit = lcm(g.unit, u);
    groupOfSpace[space.index] = groups.indexOf(g);
  }
  for (const g of groups) {
    if (g.channels % g.blocks !== 0) g.barriers.push(`grouped convolutions with incompatible group counts (${g.blocks} blocks of ${g.channels} channels)`);
    if (g.channels % g.unit !== 0) g.barriers.push(`attention heads of incompatible sizes (units of ${g.unit} in ${g.channels} channels)`);
    // Heads inside grouped-convolution blocks are not combined (no exporter writes them).
    if (g.unit > 1 && g.blocks > 1) g.barriers.push(`attention heads (units of ${g.unit}) feeding grouped convolutions`);
    g.prunable = g.barriers.length === 0;
  }
  for (const m of ctx.members) {
    const touched = new Set(memberSegments(m).map((s) => groupOfSpace[s.space]!));
    for (const gi of touched) groups[gi]!.members.push({ node: ctx.id(m.node), role: memberRole(m, gi, groupOfSpace) });
  }
  return { ir: ctx.ir, shapes: ctx.shapes, spaces: ctx.spaces, layouts: ctx.layouts, members: ctx.members, groups, groupOfSpace };
}

/** The role, with the offset of the group's channels when the member holds several groups (Concat consumers). */
function memberRole(m: Member, gi: number, groupOfSpace: number[]): string {
  const segs = memberSegments(m);
  if (segs.length <= 1 || m.kind === 'split' || m.kind === 'slice-range') return m.role;
  let offset = 0;
  for (const s of segs) {
    if (groupOfSpace[s.space] === gi) return `${m.role} offset ${offset}`;
    offset += s.length;
  }
  return m.role;
}
