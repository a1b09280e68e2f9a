// Turning channel scores and per-group ratios into a pruning plan.
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import type { ModelProto } from '../onnx/proto.js';
import { planModelInfo, PLAN_FORMAT, PLAN_VERSION, type PrunePlan } from './plan.js';

/** The `keep` highest-scoring channel indices, sorted ascending (ties: lower index first). */
export function keepTopChannels(scores: ArrayLike<number>, keep: number): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.slice(0, Math.max(1, Math.min(scores.length, keep))).sort((a, b) => a - b);
}

/** Channels kept when removing `ratio` of `channels`, rounded to a multiple of `roundTo` (at least 1 kept). */
export function keptCount(channels: number, ratio: number, roundTo = 1): number {
  const raw = Math.round(channels * (1 - ratio));
  const rounded = roundTo > 1 ? Math.round(raw / roundTo) * roundTo : raw;
  return Math.max(1, Math.min(channels, rounded || Math.min(roundTo, channels)));
}

/**
 * A plan removing `ratios[group]` of each listed group's channels, keeping the highest-scoring ones.
 * Groups without scores keep their first channels (order only matters for which, not how many).
 */
export function planFromRatios(model: ModelProto, analysis: ChannelAnalysis, scores: ReadonlyMap<string, ArrayLike<number>>, ratios: Readonly<Record<string, number>>, criterion: string, roundTo = 1): PrunePlan {
  const groups: PrunePlan['groups'] = {};
  for (const [id, ratio] of Object.entries(ratios)) {
    const g = analysis.groups.find((x) => x.id === id);
    if (!g) throw new Error(`group "${id}" does not exist in this model`);
    if (!g.prunable || ratio <= 0) continue;
    const keep = keptCount(g.channels, ratio, roundTo);
    if (keep >= g.channels) continue;
    const s = scores.get(id) ?? Float64Array.from({ length: g.channels }, (_, i) => g.channels - i);
    groups[id] = { channels: g.channels, keep: keepTopChannels(s, keep) };
  }
  return { format: PLAN_FORMAT, version: PLAN_VERSION, model: planModelInfo(model), criterion, groups };
}
