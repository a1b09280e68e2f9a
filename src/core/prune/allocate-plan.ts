// Turning channel scores and per-group ratios into a pruning plan.
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import type { ModelProto } from '../onnx/proto.js';
import { planModelInfo, PLAN_FORMAT, PLAN_VERSION, repairPieces, type PrunePlan } from './plan.js';
import { selectKeep } from './planner.js';

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
 * Chosen like the planner does (selectKeep, repairPieces), so groups read by grouped convolutions
 * keep the same number of channels in every block and no Split/Slice output is left empty.
 * Groups without scores keep their first channels (of each block).
 */
export function planFromRatios(model: ModelProto, analysis: ChannelAnalysis, scores: ReadonlyMap<string, ArrayLike<number>>, ratios: Readonly<Record<string, number>>, criterion: string, roundTo = 1): PrunePlan {
  const chosen = new Map<string, number[]>();
  for (const [id, ratio] of Object.entries(ratios)) {
    const g = analysis.groups.find((x) => x.id === id);
    if (!g) throw new Error(`group "${id}" does not exist in this model`);
    if (!g.prunable || ratio <= 0) continue;
    const keep = keptCount(g.channels, ratio, roundTo);
    if (keep >= g.channels) continue;
    // selectKeep rounds the count to whole blocks, which can bring a small group back to full width.
    const kept = selectKeep(g, keep, scores.get(id));
    if (kept.length < g.channels) chosen.set(id, kept);
  }
  repairPieces(analysis, chosen, (id, c) => scores.get(id)?.[c] ?? 0);
  const groups: PrunePlan['groups'] = {};
  for (const [id, keep] of chosen) groups[id] = { channels: analysis.groups.find((x) => x.id === id)!.channels, keep };
  return { format: PLAN_FORMAT, version: PLAN_VERSION, model: planModelInfo(model), criterion, groups };
}
