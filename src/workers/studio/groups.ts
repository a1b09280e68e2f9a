// listGroups: the channel dependency groups of the loaded model, as the panels show them.
import type { GroupSummary } from '../protocol';
import { requireLoadedModel } from './loaded-model';
import { analysisOf } from './pruning-cache';

/** The loaded model's groups: prunable ones first, each list in graph order. */
export function listGroups(): GroupSummary[] {
  const analysis = analysisOf(requireLoadedModel());
  const summaries = analysis.groups.map((g): GroupSummary => ({
    id: g.id,
    label: g.id,
    channels: g.channels,
    members: [...new Set(g.members.map((m) => m.node))],
    prunable: g.prunable,
    ...(g.prunable ? {} : { reason: g.barriers.join('; ') || 'not prunable' }),
  }));
  return [...summaries.filter((g) => g.prunable), ...summaries.filter((g) => !g.prunable)];
}
