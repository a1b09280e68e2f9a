// A plan that keeps a given fraction of the unpruned model's MACs or parameters ("half the MACs"),
// with the per-group ratios chosen one of three ways:
//
// - uniform: one ratio for every prunable group, the smallest that meets the target;
// - global: every group's channels ranked together by (per-group normalised) score, the lowest
//   removed until the target is met (the studio's global ranking, searched on the cost);
// - sensitivity: the greedy on measured sensitivity curves (allocateGreedy) picks the shape of the
//   allocation; its ratios are then scaled together, one channel at a time, until the target is
//   just met, since the curves' ratio levels (10 %, 20 %, …) would otherwise overshoot by a whole
//   level of one group.
//
// Each way is a sequence of plans, each removing no fewer channels than the one before (uniform:
// the next ratio at which some group keeps one channel fewer; global and sensitivity: one channel
// of one group), so the cost does not grow along it and a bisection finds the first plan meeting
// the target: the step before it misses. Plans are built by planPrune (so --max-ratio, --round-to,
// grouped-convolution blocks and Split pieces are honoured as for a uniform --ratio) and costed
// from the kept channels (plan-costing.ts).
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import type { ModelProto } from '../onnx/proto.js';
import { normaliseScores } from '../score/group-tensors.js';
import { allocationDrop, type SensitivityResult } from '../score/sensitivity.js';
import { allocateGreedy } from './allocate.js';
import { globalRanking } from './global-ranking.js';
import type { PrunePlan } from './plan.js';
import { planCosting, type PlanCosting } from './plan-costing.js';
import { planPrune } from './planner.js';

export type AllocationMethod = 'uniform' | 'global' | 'sensitivity';
export const ALLOCATION_METHODS: readonly AllocationMethod[] = ['uniform', 'global', 'sensitivity'];

/** Keep `keep` (0 < keep < 1) of the unpruned model's MACs or parameters. */
export interface CostTarget {
  kind: 'macs' | 'params';
  keep: number;
}

export interface TargetPlanOptions {
  target: CostTarget;
  method: AllocationMethod;
  /** Channel scores per group (higher = keep), as planPrune takes them. */
  scores: ReadonlyMap<string, ArrayLike<number>>;
  /** Criterion name stored in the plan. */
  criterion: string;
  /** No group loses more than this fraction. */
  maxRatio?: number;
  roundTo?: number;
  /** Groups whose scores are NaN/Inf stay whole instead of being refused (as planPrune). */
  allowNonFinite?: boolean;
  /** Per-group curves on images (analyseSensitivity with the same scores); required for 'sensitivity'. */
  sensitivity?: SensitivityResult;
  /** How plans are costed (default: planCosting(model, analysis)). */
  costing?: PlanCosting;
  /**
   * 'sensitivity' only: PAGCP's per-task budgets (output name → largest predicted drop in its task's
   * measure). No plan beyond the budgets is chosen, even when that leaves the target unmet.
   */
  budgets?: Readonly<Record<string, number>>;
}

export interface TargetPlan {
  plan: PrunePlan;
  method: AllocationMethod;
  /** Fraction of channels each prunable, planned group loses in the plan (0 when whole). */
  ratios: Record<string, number>;
  /** uniform: the ratio asked of every group (rounding and caps then act per group). */
  ratio?: number;
  /** sensitivity: the metric drop the curves predict for `ratios` (sum over groups, interpolated). */
  predictedDrop?: number;
  baseCost: number;
  /** The plan's cost (same kind as the target). */
  cost: number;
  /** cost / baseCost. */
  reached: number;
  /** reached ≤ keep; false when even the most pruned plan of the family stays above the target. */
  met: boolean;
  /** Plans costed by the search. */
  evaluated: number;
  /** With budgets: each budgeted output's predicted drop for the plan. */
  taskDrops?: Record<string, number>;
  /** With budgets: true when the budgets, not the target, stopped the pruning. */
  budgetLimited?: boolean;
}

/** A family of plans: candidate i removes no fewer channels than i − 1. */
interface Family {
  size: number;
  ratiosAt(i: number): Record<string, number>;
}

/** The plan removing the least that meets `options.target` (or the most pruned one when none does). */
export async function planForTarget(model: ModelProto, analysis: ChannelAnalysis, options: TargetPlanOptions): Promise<TargetPlan> {
  const { target, method } = options;
  if (!(target.keep > 0 && target.keep < 1)) throw new Error(`the target must keep a fraction in (0, 1) of the ${target.kind}, got ${target.keep}`);
  const costing = options.costing ?? planCosting(model, analysis);
  const baseCost = costing.base[target.kind];
  if (!(baseCost > 0)) throw new Error(`the model's ${target.kind === 'macs' ? 'MACs are' : 'parameter count is'} unknown or 0, so no fraction of it can be targeted`);
  const cap = Math.min(1, options.maxRatio ?? 1);
  const groups = analysis.groups.filter((g) => g.prunable && Array.from(options.scores.get(g.id) ?? []).every(Number.isFinite) && options.scores.has(g.id));
  const planOf = (ratios: Record<string, number>) =>
    planPrune(model, analysis, { groupRatios: ratios, maxRatio: options.maxRatio, roundTo: options.roundTo, scores: new Map(options.scores), criterionName: options.criterion, allowNonFinite: options.allowNonFinite });

  if (options.budgets && method !== 'sensitivity') throw new Error(`task budgets are honoured by the sensitivity allocation only (curves per output), not by ${method}`);
  let family: Family;
  let withinBudgets: number | undefined;
  if (method === 'uniform') {
    const steps = uniformSteps(groups.map((g) => g.channels), cap);
    family = { size: steps.length, ratiosAt: (i) => Object.fromEntries(groups.map((g) => [g.id, steps[i]!])) };
  } else if (method === 'global') {
    const ranked = groups.map((g) => ({ id: g.id, scores: normaliseScores(Float64Array.from(options.scores.get(g.id)!), 'mean') }));
    const total = ranked.reduce((s, g) => s + g.scores.length, 0);
    family = { size: total + 1, ratiosAt: (k) => globalRanking(ranked, k, cap) };
  } else {
    if (!options.sensitivity) throw new Error('sensitivity allocation needs the sensitivity curves of the model (analyseSensitivity on images)');
    const shape = await sensitivityShape(model, analysis, options, cap);
    const steps = scaledSteps(groups, shape, cap, options.sensitivity);
    family = channelSteps(steps);
    if (options.budgets) withinBudgets = stepsWithinBudgets(steps, options.sensitivity, options.budgets);
  }

  const goal = baseCost * target.keep;
  const costs = new Map<number, { plan: PrunePlan; cost: number }>();
  const at = (i: number) => {
    let c = costs.get(i);
    if (!c) {
      const plan = planOf(family.ratiosAt(i));
      costs.set(i, (c = { plan, cost: costing.of(plan)[target.kind] }));
    }
    return c;
  };
  const last = withinBudgets ?? family.size - 1;
  // Smallest candidate meeting the goal (costs do not grow with i); the last one when none does.
  let lo = 0;
  let hi = last;
  if (at(hi).cost <= goal) {
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at(mid).cost <= goal) hi = mid;
      else lo = mid + 1;
    }
  }
  const found = at(hi);
  const ratios = Object.fromEntries(groups.map((g) => [g.id, (g.channels - (found.plan.groups[g.id]?.keep.length ?? g.channels)) / g.channels]));
  return {
    plan: found.plan,
    method,
    ratios,
    ...(method === 'uniform' ? { ratio: family.ratiosAt(hi)[groups[0]?.id ?? ''] ?? 0 } : {}),
    ...(method === 'sensitivity' ? { predictedDrop: predictedDrop(options.sensitivity!, ratios) } : {}),
    baseCost,
    cost: found.cost,
    reached: found.cost / baseCost,
    met: found.cost <= goal,
    evaluated: costs.size,
    ...(withinBudgets !== undefined ? {
      taskDrops: Object.fromEntries(Object.keys(options.budgets!).map((name) => [name, predictedDrop(options.sensitivity!, ratios, name)])),
      budgetLimited: found.cost > goal && last < family.size - 1,
    } : {}),
  };
}

/** The ratios at which some group's keep count changes (j / channels), from 0, at most `cap`, ascending. */
function uniformSteps(channels: number[], cap: number): number[] {
  const steps = new Set<number>([0]);
  for (const c of channels) {
    for (let j = 1; j < c && j / c <= cap; j++) steps.add(j / c);
    steps.add(cap);
  }
  return [...steps].sort((a, b) => a - b);
}

/** One group's ratio raised by one channel. */
interface ChannelStep {
  id: string;
  ratio: number;
}

/** Candidate i applies the first i steps. */
function channelSteps(steps: ChannelStep[]): Family {
  return {
    size: steps.length + 1,
    ratiosAt(i) {
      const ratios: Record<string, number> = {};
      for (let k = 0; k < i; k++) ratios[steps[k]!.id] = Math.max(ratios[steps[k]!.id] ?? 0, steps[k]!.ratio);
      return ratios;
    },
  };
}

/**
 * The greedy's ratios scaled together, one channel at a time: group g takes ratio j / channels_g
 * at scale s = (j / channels_g) / shape_g, so every group reaches its shape's ratio at s = 1 and
 * goes on (up to `cap`) beyond it. Steps at the same scale go least predicted drop first.
 */
function scaledSteps(groups: { id: string; channels: number }[], shape: Record<string, number>, cap: number, sens: SensitivityResult): ChannelStep[] {
  const steps: (ChannelStep & { scale: number; drop: number })[] = [];
  for (const g of groups) {
    const w = shape[g.id] ?? 0;
    if (w <= 0) continue;
    for (let j = 1; j < g.channels && j / g.channels <= cap + 1e-12; j++) {
      const ratio = j / g.channels;
      steps.push({ id: g.id, ratio, scale: ratio / w, drop: curveDrop(sens, g.id, ratio) - curveDrop(sens, g.id, (j - 1) / g.channels) });
    }
  }
  return steps.sort((a, b) => a.scale - b.scale || a.drop - b.drop || a.id.localeCompare(b.id) || a.ratio - b.ratio);
}

/** How many of `steps` can be taken, in order, before some output's predicted drop passes its budget. */
function stepsWithinBudgets(steps: readonly ChannelStep[], sens: SensitivityResult, budgets: Readonly<Record<string, number>>): number {
  const ratios = new Map<string, number>();
  const spent = new Map(Object.keys(budgets).map((name) => [name, 0]));
  for (const [i, step] of steps.entries()) {
    const from = ratios.get(step.id) ?? 0;
    const to = Math.max(from, step.ratio);
    for (const [name, budget] of Object.entries(budgets)) {
      const next = spent.get(name)! + curveDrop(sens, step.id, to, name) - curveDrop(sens, step.id, from, name);
      if (next > budget + 1e-12) return i;
      spent.set(name, next);
    }
    ratios.set(step.id, to);
  }
  return steps.length;
}

/** allocateGreedy's ratios on the curves, their levels above `cap` left out. */
async function sensitivityShape(model: ModelProto, analysis: ChannelAnalysis, options: TargetPlanOptions, cap: number): Promise<Record<string, number>> {
  const sens = options.sensitivity!;
  const levels = sens.ratios.filter((r) => r <= cap + 1e-12).length;
  const capped: SensitivityResult = {
    ...sens,
    ratios: sens.ratios.slice(0, levels),
    curves: Object.fromEntries(Object.entries(sens.curves).map(([id, c]) => [id, {
      drop: c.drop.slice(0, levels), macs: c.macs.slice(0, levels), params: c.params.slice(0, levels),
      ...(c.perOutput ? { perOutput: Object.fromEntries(Object.entries(c.perOutput).map(([o, d]) => [o, d.slice(0, levels)])) } : {}),
    }])),
  };
  const allocation = await allocateGreedy(model, analysis, { sensitivity: capped, scores: options.scores, target: options.target, roundTo: options.roundTo, budgets: options.budgets });
  return allocation.ratios;
}

/** Sum over groups of the curve's drop (or `output`'s, for multi-output curves) at the group's ratio. */
function predictedDrop(sens: SensitivityResult, ratios: Record<string, number>, output?: string): number {
  return Object.entries(ratios).reduce((total, [id, r]) => total + curveDrop(sens, id, r, output), 0);
}

/** A group's drop at `ratio` on its curve (the largest over outputs, see allocationDrop; or `output`'s): linear between the measured ratios, 0 at 0 (negative drops count as 0). */
function curveDrop(sens: SensitivityResult, id: string, ratio: number, output?: string): number {
  const curve = sens.curves[id];
  const drops = output === undefined ? curve?.drop.map((_, l) => allocationDrop(curve, l)) : curve?.perOutput?.[output];
  if (!drops || ratio <= 0) return 0;
  const xs = [0, ...sens.ratios];
  const ys = [0, ...drops.map((d) => Math.max(0, d))];
  let i = 1;
  while (i < xs.length - 1 && xs[i]! < ratio) i++;
  const t = Math.min(1, (ratio - xs[i - 1]!) / (xs[i]! - xs[i - 1]!));
  return ys[i - 1]! + t * (ys[i]! - ys[i - 1]!);
}
