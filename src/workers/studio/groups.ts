// listGroups: the channel dependency groups of the loaded model, as the panels show them.
import type { ChannelAnalysis } from '../../core/graph/channels/analyse';
import type { ChannelRange, GroupSummary } from '../protocol';
import { requireLoadedModel } from './loaded-model';
import { analysisOf } from './pruning-cache';

/** Group index → the tensors holding its channels (from every tracked tensor's segments). */
function rangesByGroup(analysis: ChannelAnalysis): ChannelRange[][] {
  const ranges: ChannelRange[][] = analysis.groups.map(() => []);
  for (const [tensor, layout] of analysis.layouts) {
    for (const s of layout.segments) ranges[analysis.groupOfSpace[s.space]!]!.push({ tensor, start: s.start, length: s.length });
  }
  return ranges;
}

/** The loaded model's groups: prunable ones first, each list in graph order. */
export function listGroups(): GroupSummary[] {
  const analysis = analysisOf(requireLoadedModel());
  const ranges = rangesByGroup(analysis);
  const summaries = analysis.groups.map((g, i): GroupSummary => ({
    id: g.id,
    label: g.id,
    channels: g.channels,
    members: [...new Set(g.members.map((m) => m.node))],
    prunable: g.prunable,
    ...(g.prunable ? {} : { reason: g.barriers.join('; ') || 'not prunable' }),
    tensors: ranges[i]!,
    ...(g.unit > 1 ? { unit: g.unit } : {}),
    ...(g.channelStatistics ? { channelStatistics: true } : {}),
  }));
  return [...summaries.filter((g) => g.prunable), ...summaries.filter((g) => !g.prunable)];
}
