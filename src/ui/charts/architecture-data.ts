// The "pruned architecture" figure's data: per MAC layer (Conv, Gemm, MatMul … in graph order) the
// output channels before and after the plan and the MACs before and after. Pure: channels come
// from the groups' channel ranges and the plan's keep lists (as on the graph), MACs before from the
// model summary, MACs after from the plan cost (core/metrics layerMacsOfPlan, counted from the
// kept channels), so the layers add up to the cost table.
import type { GroupSummary, ModelSummary, PlanCost } from '../../workers/protocol';
import { tensorChannels, tensorRanges, type GroupRange } from '../graph/channel-plan';
import { foldRepeats } from '../shell/middle-ellipsis';

export interface ArchitectureLayer {
  /** 1-based position in the chart (graph order). */
  index: number;
  /** Node id (the graph's and the summary's). */
  node: string;
  name: string;
  opType: string;
  /** The group of the channels the layer outputs (what a click selects); undefined when untracked. */
  group?: string;
  /** Its output channels can be pruned (false: a barrier, or channels not tracked). */
  prunable: boolean;
  /** Why its channels cannot be pruned. */
  barrier?: string;
  /** Output channels; undefined when the analysis does not track them (e.g. attention's q·kᵀ). */
  channelsBefore?: number;
  channelsAfter?: number;
  /** Per-sample MACs; undefined when unknown (dynamic shapes). */
  macsBefore?: number;
  macsAfter?: number;
}

export interface ArchitectureData {
  layers: ArchitectureLayer[];
  /** Some layer keeps fewer channels than it has. */
  hasPlan: boolean;
  totals: { channelsBefore: number; channelsAfter: number; macsBefore: number; macsAfter: number };
}

/**
 * The chart's layers: every MAC layer the plan cost lists, in graph order. `ranges` can be passed
 * to reuse tensorRanges(groups) across plan changes.
 */
export function architectureData(
  summary: Pick<ModelSummary, 'nodes'>,
  groups: readonly GroupSummary[],
  cost: Pick<PlanCost, 'keep' | 'layers'>,
  ranges: ReadonlyMap<string, GroupRange[]> = tensorRanges(groups),
): ArchitectureData {
  const nodes = new Map(summary.nodes.map((n) => [n.id, n]));
  const byId = new Map(groups.map((g) => [g.id, g]));
  const sortedKeep = new Map<string, number[]>();
  const totals = { channelsBefore: 0, channelsAfter: 0, macsBefore: 0, macsAfter: 0 };
  let hasPlan = false;
  const layers = (cost.layers ?? []).map((l, i): ArchitectureLayer => {
    const node = nodes.get(l.node);
    const output = node?.outputs[0];
    const list = output ? ranges.get(output) : undefined;
    const channels = list?.length ? tensorChannels(list, cost.keep, sortedKeep) : undefined;
    const group = channels ? byId.get(channels.groups[0]!) : undefined;
    if (channels) {
      totals.channelsBefore += channels.before;
      totals.channelsAfter += channels.after;
      hasPlan ||= channels.after < channels.before;
    }
    totals.macsBefore += node?.macs ?? 0;
    totals.macsAfter += l.macs ?? 0;
    return {
      index: i + 1,
      node: l.node,
      name: node?.name || l.node,
      opType: node?.opType ?? '?',
      ...(group ? { group: group.id } : {}),
      prunable: !!channels && !channels.allBarrier,
      ...(channels?.barrier ? { barrier: channels.barrier } : {}),
      ...(channels ? { channelsBefore: channels.before, channelsAfter: channels.after } : {}),
      ...(node?.macs !== undefined ? { macsBefore: node.macs } : {}),
      ...(l.macs !== undefined ? { macsAfter: l.macs } : {}),
    };
  });
  return { layers, hasPlan, totals };
}

/**
 * A short label for a layer: torch repeats folded and the op-type tail dropped, last two levels
 * ("/stages/stages.1/conv1/conv1.0/Conv" → "stages.1/conv1.0"); names without slashes stay whole.
 */
export function shortLayerName(name: string, opType: string): string {
  const parts = foldRepeats(name).split('/').filter(Boolean);
  if (parts.length > 1 && (parts[parts.length - 1] === opType || /^(Conv|ConvTranspose|Gemm|MatMul)(_\d+)?$/.test(parts[parts.length - 1]!))) parts.pop();
  return parts.length <= 1 ? (parts[0] ?? name) : parts.slice(-2).join('/');
}
