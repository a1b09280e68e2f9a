// Which activation tensors show a group's channels. For every channel space of the group we follow
// its producer's output through per-channel ops (BatchNormalization, ReLU, Sigmoid, ...: the ops
// op-traits marks `perChannel`) while they are the only consumer, and take the last tensor: the
// feature map the next layer reads, which is what pruning the channel removes (BN kept: the
// BN+ReLU output, not the raw Conv output).
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
    const layout = analysis.layouts.get(name) ?? analysis.layouts.get(producerOutput);
    const seg = layout?.segments;
    // Only tensors whose channel axis is exactly this space, in order, are usable.
    if (!layout || seg?.length !== 1 || seg[0]!.space !== s || seg[0]!.start !== 0 || seg[0]!.length !== space.length || layout.block !== 1) continue;
    out.push({ name: analysis.layouts.get(name) ? name : producerOutput, channelAxis: layout.axis, producerOutput });
  }
  return out;
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
