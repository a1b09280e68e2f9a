// Turns ratios and importance scores into a plan: per group, keep the highest-scored channels.
import type { ModelProto } from '../onnx/proto.js';
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import type { ChannelGroup } from '../graph/channels/types.js';
import { NonFiniteScoresError } from '../score/non-finite.js';
import { magnitudeScores, type MagnitudeCriterion } from '../score/magnitude.js';
import { planModelInfo, PLAN_FORMAT, PLAN_VERSION, repairPieces, type PrunePlan } from './plan.js';

export interface PlanOptions {
  /** Fraction of channels to remove from every prunable group (0..1). */
  ratio?: number;
  /** Per-group ratios (group id → fraction), overriding `ratio`. */
  groupRatios?: Record<string, number>;
  /** No group loses more than this fraction (default 1, i.e. no cap beyond keeping one channel). */
  maxRatio?: number;
  /** Keep counts become multiples of this where the group is big enough (hardware-friendly widths). */
  roundTo?: number;
  /** Explicit keep lists (group id → channel indices), used as given. */
  keep?: Record<string, number[]>;
  /** Magnitude criterion used when `scores` is not given (default l2). */
  criterion?: MagnitudeCriterion;
  /**
   * Groups whose scores are NaN or infinite (weights holding NaN/Inf) are refused with
   * NonFiniteScoresError; with this set they are left unpruned and the others planned.
   */
  allowNonFinite?: boolean;
  /** Importance per group and channel (higher = keep); default: weight magnitude. */
  scores?: Map<string, ArrayLike<number>>;
  /** Name of the criterion stored in the plan when `scores` is given. */
  criterionName?: string;
}

/** How many channels a group keeps at a given ratio, with the rounding and caps applied. */
export function keepCount(channels: number, ratio: number, options: Pick<PlanOptions, 'maxRatio' | 'roundTo'> = {}): number {
  const r = Math.min(Math.max(ratio, 0), options.maxRatio ?? 1);
  let keep = Math.max(1, channels - Math.floor(channels * r + 1e-9));
  const n = options.roundTo ?? 1;
  // Rounding goes up (keeps more), so it never breaks maxRatio.
  if (n > 1 && channels >= n) keep = Math.min(channels, Math.ceil(keep / n) * n);
  return keep;
}

/**
 * The channels a group keeps when it keeps about `count`: the highest-scored (ties: lower index),
 * and for groups read by grouped convolutions the same number from each block (count rounded to a
 * multiple of the block count, at least one per block). Attention-head groups (unit > 1) keep whole
 * heads: a head scores the sum of its channels' scores, and the count is rounded to whole heads
 * (at least one). Sorted ascending.
 */
export function selectKeep(group: Pick<ChannelGroup, 'channels' | 'blocks'> & { unit?: number }, count: number, scores?: ArrayLike<number>): number[] {
  const unit = group.unit ?? 1;
  if (unit > 1) {
    const heads = group.channels / unit;
    const headScores = scores && Array.from({ length: heads }, (_, h) => {
      let sum = 0;
      for (let j = 0; j < unit; j++) sum += scores[h * unit + j]!;
      return sum;
    });
    const kept = selectKeep({ channels: heads, blocks: 1 }, Math.max(1, Math.round(count / unit)), headScores);
    return kept.flatMap((h) => Array.from({ length: unit }, (_, j) => h * unit + j));
  }
  const blocks = group.blocks || 1;
  const size = group.channels / blocks;
  const perBlock = Math.min(size, Math.max(1, Math.round(count / blocks)));
  const kept: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const order = Array.from({ length: size }, (_, i) => b * size + i);
    if (scores) order.sort((x, y) => scores[y]! - scores[x]! || x - y);
    kept.push(...order.slice(0, perBlock));
  }
  return kept.sort((a, b) => a - b);
}

/** Builds a plan from ratios and scores. Groups that cannot be pruned are left out. */
export function planPrune(model: ModelProto, analysis: ChannelAnalysis, options: PlanOptions = {}): PrunePlan {
  const scores = options.scores ?? magnitudeScores(analysis, options.criterion ?? 'l2');
  const chosen = new Map<string, number[]>();
  const nonFinite = analysis.groups.filter((g) => g.prunable && !options.keep?.[g.id] && Array.from(scores.get(g.id) ?? []).some((v) => !Number.isFinite(v))).map((g) => g.id);
  if (nonFinite.length && !options.allowNonFinite) throw new NonFiniteScoresError(options.criterionName ?? options.criterion ?? 'l2', nonFinite);
  for (const g of analysis.groups) {
    if (!g.prunable || nonFinite.includes(g.id)) continue;
    const explicit = options.keep?.[g.id];
    if (explicit) {
      chosen.set(g.id, [...explicit].sort((a, b) => a - b));
      continue;
    }
    // A criterion's scores that leave a group out (it could not score it) leave it whole: without
    // scores its channels would be cut in index order, i.e. arbitrarily.
    if (options.scores && !options.scores.has(g.id)) continue;
    const ratio = options.groupRatios?.[g.id] ?? options.ratio ?? 0;
    const n = keepCount(g.channels, ratio, options);
    if (n >= g.channels) continue;
    const kept = selectKeep(g, n, scores.get(g.id));
    if (kept.length < g.channels) chosen.set(g.id, kept);
  }
  repairPieces(analysis, chosen, (id, c) => scores.get(id)?.[c] ?? 0);
  const groups: PrunePlan['groups'] = {};
  for (const g of analysis.groups) {
    const keep = chosen.get(g.id);
    if (keep && keep.length < g.channels) groups[g.id] = { channels: g.channels, keep };
  }
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    model: planModelInfo(model),
    criterion: options.scores ? (options.criterionName ?? 'custom') : (options.criterion ?? 'l2'),
    groups,
  };
}
