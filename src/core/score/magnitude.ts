// Weight-magnitude importance, the one L1/L2 implementation (the planner's default scores and the
// l1/l2 criteria of scoreGroups): per channel, the norm over ALL the weights that create it, i.e.
// every producer member of its group (conv filters, Gemm/MatMul rows, depthwise filters), looked up
// through Identity. This is DepGraph's group norm: a residual channel is as important as all the
// filters writing into it together, not as the average of their separate norms.
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import type { SliceMember } from '../graph/channels/types.js';
import { memberWeight } from './member-weights.js';

export type MagnitudeCriterion = 'l1' | 'l2';

// Four independent accumulators: the loop is latency-bound on one running sum otherwise.
function sumSquares(d: Float32Array, from: number, to: number): number {
  let a = 0, b = 0, c = 0, e = 0;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    a += d[i]! * d[i]!;
    b += d[i + 1]! * d[i + 1]!;
    c += d[i + 2]! * d[i + 2]!;
    e += d[i + 3]! * d[i + 3]!;
  }
  for (; i < to; i++) a += d[i]! * d[i]!;
  return a + b + c + e;
}

function sumAbs(d: Float32Array, from: number, to: number): number {
  let a = 0, b = 0, c = 0, e = 0;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    a += Math.abs(d[i]!);
    b += Math.abs(d[i + 1]!);
    c += Math.abs(d[i + 2]!);
    e += Math.abs(d[i + 3]!);
  }
  for (; i < to; i++) a += Math.abs(d[i]!);
  return a + b + c + e;
}

/** Per norm: the per-entry sum the fast loops accumulate, and what turns the total into the norm. */
const NORMS: Record<MagnitudeCriterion, { sum: (d: Float32Array, from: number, to: number) => number; finish: (total: number) => number }> = {
  l1: { sum: sumAbs, finish: (v) => v },
  l2: { sum: sumSquares, finish: Math.sqrt },
};

/** Sum of |w| (l1) or w² (l2) of each index along `axis`. */
function perIndex(dims: readonly number[], data: Float32Array, axis: number, criterion: MagnitudeCriterion): Float64Array {
  const dim = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const out = new Float64Array(dim);
  if (inner === 1) {
    // Output columns of a MatMul weight [in, out]: one call per element would dominate (ViT-B/16).
    const squares = criterion === 'l2';
    for (let o = 0, i = 0; o < outer; o++) {
      for (let k = 0; k < dim; k++, i++) {
        const v = data[i]!;
        out[k]! += squares ? v * v : Math.abs(v);
      }
    }
    return out;
  }
  const { sum } = NORMS[criterion];
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < dim; k++) {
      const base = (o * dim + k) * inner;
      out[k]! += sum(data, base, base + inner);
    }
  }
  return out;
}

/**
 * Calls `visit(groupId, channel, position)` for every position along a slice member's axis: the
 * group and channel (index within the group) that position holds.
 */
export function forEachMemberChannel(analysis: ChannelAnalysis, m: SliceMember, visit: (groupId: string, channel: number, position: number) => void): void {
  let pos = 0;
  for (const seg of m.segments) {
    const groupId = analysis.groups[analysis.groupOfSpace[seg.space]!]!.id;
    for (let i = 0; i < seg.length; i++) for (let b = 0; b < m.block; b++, pos++) visit(groupId, seg.start + i, pos);
  }
}

/**
 * Group id → Σ|w| (l1) or √Σw² (l2) per channel over every constant producer weight of the group.
 * Only groups with at least one such weight appear (graph inputs, constant-free producers do not).
 */
export function groupMagnitudes(analysis: ChannelAnalysis, criterion: MagnitudeCriterion): Map<string, Float64Array> {
  const scores = new Map<string, Float64Array>();
  const channelsOf = new Map(analysis.groups.map((g) => [g.id, g.channels]));
  for (const m of analysis.members) {
    if (m.kind !== 'slice' || !m.producer) continue;
    const w = memberWeight(analysis.ir, m);
    if (!w) continue;
    const values = perIndex(w.dims, w.values, m.axis, criterion);
    forEachMemberChannel(analysis, m, (groupId, channel, pos) => {
      let target = scores.get(groupId);
      if (!target) scores.set(groupId, (target = new Float64Array(channelsOf.get(groupId)!)));
      target[channel]! += values[pos]!;
    });
  }
  const { finish } = NORMS[criterion];
  for (const s of scores.values()) for (let i = 0; i < s.length; i++) s[i] = finish(s[i]!);
  return scores;
}

/** The planner's default scores: groupMagnitudes for every group (zeros where no producer weight is constant). */
export function magnitudeScores(analysis: ChannelAnalysis, criterion: MagnitudeCriterion = 'l2'): Map<string, Float64Array> {
  const found = groupMagnitudes(analysis, criterion);
  return new Map(analysis.groups.map((g) => [g.id, found.get(g.id) ?? new Float64Array(g.channels)]));
}
