// Which activation tensors show a group's channels. For every channel space of the group we follow
// its producer's output through per-channel ops (BatchNormalization, ReLU, Sigmoid, ...: the ops
// op-traits marks `perChannel`) while they are the only consumer, and take the last tensor: the
// feature map the next layer reads, which is what pruning the channel removes (BN kept: the
// BN+ReLU output, not the raw Conv output). A packed attention in-projection (Q, K, V side by side)
// shows each of its spaces in the Slice that cuts it out.
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import type { ChannelGroup } from '../graph/channels/types.js';
import { usesOf } from '../graph/ir.js';
import { isDefaultDomain, opTraits } from '../graph/op-traits.js';

const isPerChannel = (node: { opType: string; domain: string }): boolean => isDefaultDomain(node.domain) && opTraits(node.opType)?.perChannel === true;

/** One tensor showing a group's channels. */
export interface GroupTensor {
  name: string;
  /** Axis holding the channels (1 for NCHW and [N, C]). */
  channelAxis: number;
  /** Axis holding the images when it is not 0 (sequence-first tensors, [T, batch, D]). */
  batchAxis?: number;
  /** The raw producer output (Conv/Gemm output) this tensor derives from. */
  producerOutput: string;
}

/** The representative activation tensor of each space of `group` (only spaces with a node producer). */
export function groupTensors(analysis: ChannelAnalysis, group: ChannelGroup): GroupTensor[] {
  const out: GroupTensor[] = [];
  for (const s of group.spaces) {
    const space = analysis.spaces[s]!;
    const producerOutput = space.producer?.output[0];
    if (!producerOutput) continue;
    let name = producerOutput;
    for (;;) {
      const uses = usesOf(analysis.ir, name);
      if (uses.length !== 1 || analysis.ir.outputs.has(name)) break;
      const next = uses[0]!.node;
      if (!isPerChannel(next) || uses[0]!.inputIndex !== 0 || !next.output[0]) break;
      name = next.output[0];
    }
    name = unpacked(analysis, name, s) ?? name;
    const tensor = analysis.layouts.get(name) ? name : producerOutput;
    // Only tensors whose channel axis is exactly this space, in order, are usable.
    if (!showsExactly(analysis, tensor, s)) continue;
    const channelAxis = analysis.layouts.get(tensor)!.axis;
    const batchAxis = batchAxisOf(analysis, tensor, channelAxis);
    out.push({ name: tensor, channelAxis, producerOutput, ...(batchAxis && { batchAxis }) });
  }
  return out;
}

/** The axis of `name` whose size is the model input's symbolic batch dim, when that lies between axis 0 and the channel axis (else undefined). */
function batchAxisOf(analysis: ChannelAnalysis, name: string, channelAxis: number): number | undefined {
  const input = analysis.ir.inputs[0];
  const batch = input && analysis.shapes.tensors.get(input.name)?.shape?.[0];
  if (typeof batch !== 'string') return undefined;
  const at = analysis.shapes.tensors.get(name)?.shape?.indexOf(batch) ?? -1;
  return at > 0 && at < channelAxis ? at : undefined;
}

/** Whether `name`'s channel axis holds exactly space `s`, whole and in order. */
function showsExactly(analysis: ChannelAnalysis, name: string, s: number): boolean {
  const layout = analysis.layouts.get(name);
  const seg = layout?.segments;
  return !!layout && seg?.length === 1 && seg[0]!.space === s && seg[0]!.start === 0 && seg[0]!.length === analysis.spaces[s]!.length && layout.block === 1;
}

/**
 * A packed producer output (attention's in-projection: Q, K and V side by side, then its bias Add)
 * shows several spaces; the first tensor downstream that shows space `s` alone (the Slice cutting it
 * out), searched only through tensors still packed with it.
 */
function unpacked(analysis: ChannelAnalysis, name: string, s: number): string | undefined {
  const packed = (t: string) => (analysis.layouts.get(t)?.segments.length ?? 0) > 1 && analysis.layouts.get(t)!.segments.some((g) => g.space === s);
  const queue = packed(name) ? [name] : [];
  for (const t of queue) {
    for (const use of usesOf(analysis.ir, t)) {
      const out = use.node.output[0];
      if (!out || queue.includes(out)) continue;
      if (showsExactly(analysis, out, s)) return out;
      if (packed(out)) queue.push(out);
    }
  }
  return undefined;
}

/** How per-tensor scores of one group are combined. */
export type Aggregate = 'mean' | 'max' | 'sum';

/** Combines equally long per-channel score vectors element-wise. */
export function aggregateScores(vectors: readonly Float64Array[], how: Aggregate): Float64Array {
  if (!vectors.length) throw new Error('nothing to aggregate');
  const n = vectors[0]!.length;
  return Float64Array.from({ length: n }, (_, i) => {
    const values = vectors.map((v) => v[i]!);
    if (how === 'max') return Math.max(...values);
    const sum = values.reduce((a, v) => a + v, 0);
    return how === 'sum' ? sum : sum / values.length;
  });
}

/** How scores are made comparable across groups. */
export type Normalisation = 'mean' | 'l2' | 'none';

/**
 * Scales a group's scores so groups compare: `mean` divides by the group's mean score (mean 1),
 * `l2` by the L2 norm of the group's scores (Molchanov et al. 2017), `none` leaves them.
 */
export function normaliseScores(scores: Float64Array, how: Normalisation): Float64Array {
  if (how === 'none') return scores;
  let d = 0;
  if (how === 'mean') d = scores.reduce((a, v) => a + v, 0) / (scores.length || 1);
  else d = Math.sqrt(scores.reduce((a, v) => a + v * v, 0));
  return d > 0 ? scores.map((v) => v / d) : scores.map(() => 1);
}
