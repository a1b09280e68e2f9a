// Weight-only channel scores: L1/L2 norms of the weights that create a group's channels, and |γ| of
// the BatchNormalization layers that scale them. Read straight from the members the channel analysis
// lists, so they apply to every group kind (residual sums, Concat pieces, depthwise convs).
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import type { ChannelGroup, SliceMember } from '../graph/channels/types.js';
import { constantTensor } from '../graph/ir.js';
import { tensorDims, tensorToFloat32 } from '../onnx/tensor.js';

/**
 * For one slice member, applies `visit(channel, value)` to every weight value that belongs to one of
 * the group's channels (channel = index within the group).
 */
function forEachGroupValue(analysis: ChannelAnalysis, group: ChannelGroup, m: SliceMember, visit: (channel: number, value: number) => void): boolean {
  const name = m.node.input[m.inputIndex];
  const t = name ? constantTensor(analysis.ir, name) : undefined;
  if (!t) return false;
  const dims = tensorDims(t);
  const data = tensorToFloat32(t);
  const axisLen = dims[m.axis] ?? 1;
  const inner = dims.slice(m.axis + 1).reduce((a, d) => a * d, 1);
  const outer = dims.slice(0, m.axis).reduce((a, d) => a * d, 1);
  const spaces = new Set(group.spaces);
  // Position along the axis → channel of the group (or -1).
  const channelAt = new Int32Array(axisLen).fill(-1);
  let pos = 0;
  for (const seg of m.segments) {
    for (let k = 0; k < seg.length; k++) for (let b = 0; b < m.block; b++, pos++) if (spaces.has(seg.space) && pos < axisLen) channelAt[pos] = seg.start + k;
  }
  for (let o = 0; o < outer; o++) for (let p = 0; p < axisLen; p++) {
    const c = channelAt[p]!;
    if (c < 0) continue;
    const base = (o * axisLen + p) * inner;
    for (let i = 0; i < inner; i++) visit(c, data[base + i]!);
  }
  return true;
}

const slices = (analysis: ChannelAnalysis, group: ChannelGroup): SliceMember[] => {
  const spaces = new Set(group.spaces);
  return analysis.members.filter((m): m is SliceMember => m.kind === 'slice' && m.segments.some((s) => spaces.has(s.space)));
};

/** Per-tensor L1 or L2 norms of the producer weights of each channel (one vector per producer weight; biases excluded). */
export function weightNormScores(analysis: ChannelAnalysis, group: ChannelGroup, p: 1 | 2): Float64Array[] {
  const out: Float64Array[] = [];
  for (const m of slices(analysis, group).filter((s) => s.producer && s.inputIndex === 1)) {
    const acc = new Float64Array(group.channels);
    if (forEachGroupValue(analysis, group, m, (c, v) => (acc[c] = acc[c]! + (p === 1 ? Math.abs(v) : v * v)))) out.push(p === 2 ? acc.map(Math.sqrt) : acc);
  }
  return out;
}

/** |γ| of every BatchNormalization scaling the group's channels (empty when BN was fused away). */
export function bnGammaScores(analysis: ChannelAnalysis, group: ChannelGroup): Float64Array[] {
  const out: Float64Array[] = [];
  for (const m of slices(analysis, group).filter((s) => s.node.opType === 'BatchNormalization' && s.inputIndex === 1)) {
    const acc = new Float64Array(group.channels);
    if (forEachGroupValue(analysis, group, m, (c, v) => (acc[c] = Math.abs(v)))) out.push(acc);
  }
  return out;
}
