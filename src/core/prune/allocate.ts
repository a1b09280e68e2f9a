// Per-group pruning ratios that meet a cost target with the smallest predicted quality drop.
//
// allocateGreedy: from sensitivity curves, repeatedly takes the step (one group one ratio further)
// with the smallest marginal drop per unit of cost saved, until the pruned model's exact cost
// (MACs or params from applyPlan, or a measured latency) meets the target.
// allocateBudgeted: PAGCP-style (performance-aware global channel pruning) greedy that visits the
// least sensitive groups first and gives each the largest ratio whose measured extra drop stays
// within a per-layer budget, with every output within a total budget.
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { computeMetrics } from '../metrics/model-metrics.js';
import { costOfPlan, planCostModel, type PlanCostModel } from '../metrics/plan-cost.js';
import type { ModelProto } from '../onnx/proto.js';
import type { ImageBatch } from '../score/images.js';
import { compareOutputs, metricDrop, referenceOutputs, type MetricName } from '../score/metric.js';
import type { AbortSignalLike, ModelRunner } from '../score/runner.js';
import { checkAborted } from '../score/runner.js';
import { allocationDrop, type SensitivityResult } from '../score/sensitivity.js';
import { applyPlan } from './apply.js';
import { planFromRatios } from './allocate-plan.js';

/** What to reduce and how far: keep `keep` (e.g. 0.5) of the unpruned model's cost. */
export interface AllocationTarget {
  kind: 'macs' | 'params' | 'latency';
  keep: number;
}

export interface Allocation {
  /** Group id → fraction of channels removed. */
  ratios: Record<string, number>;
  /** Sum of the chosen ratios' sensitivity drops (greedy) or the measured drop (budgeted). */
  predictedDrop: number;
  cost: number;
  baseCost: number;
  /** False when every step was taken (or every further step breaks a task budget) and the target still not met. */
  reached: boolean;
  /** With task budgets: each budgeted output's predicted drop (sum of its curves' drops at the chosen ratios). */
  taskDrops?: Record<string, number>;
  /**
   * With task budgets: the outputs whose budget refused a further step when the target was not
   * reached (empty when the target was met, or when every step was taken without a budget binding).
   */
  binding?: string[];
}

/** One budgeted output after the allocation: its budget, the drop the curves predict and the measure both are in. */
export interface TaskBudgetOutcome {
  budget: number;
  predictedDrop: number;
  measure: string;
}

/**
 * Each budgeted output's outcome, for reports (the CLI's `allocation.tasks`, the studio's read-out).
 * `measures`: output name → its measure (the sensitivity result's `outputs`).
 */
export function taskBudgetOutcomes(taskDrops: Readonly<Record<string, number>> | undefined, budgets: Readonly<Record<string, number>>, measures: readonly { name: string; measure: string }[] = []): Record<string, TaskBudgetOutcome> {
  return Object.fromEntries(Object.entries(budgets).map(([name, budget]) => [name, {
    budget, predictedDrop: taskDrops?.[name] ?? 0, measure: measures.find((o) => o.name === name)?.measure ?? '',
  }]));
}

export interface GreedyOptions {
  sensitivity: SensitivityResult;
  scores: ReadonlyMap<string, ArrayLike<number>>;
  target: AllocationTarget;
  /** Measured cost of a pruned model (required for latency targets). */
  measure?: (pruned: ModelProto) => Promise<number>;
  /** Groups whose ratio is fixed. */
  locked?: Record<string, number>;
  roundTo?: number;
  /**
   * PAGCP's per-task budgets: output name → the largest drop allowed on it (in its task's measure,
   * task-drop.ts), predicted as the sum of the groups' drops on that output's curves. A step that
   * would break any budget is not taken; steps are ranked by their drops relative to the budgets.
   */
  budgets?: Readonly<Record<string, number>>;
}

/** Each budgeted output's curves, checked: the sensitivity must have been measured per output. */
function budgetCurves(sens: SensitivityResult, budgets: Readonly<Record<string, number>>): { name: string; budget: number }[] {
  return Object.entries(budgets).map(([name, budget]) => {
    if (!sens.outputs?.some((o) => o.name === name)) {
      throw new Error(`task budget for "${name}": the sensitivity curves have no output of that name (${sens.outputs ? `outputs: ${sens.outputs.map((o) => o.name).join(', ')}` : 'they were measured on one output; budgets need a model with several'})`);
    }
    if (!(budget > 0)) throw new Error(`task budget for "${name}" must be a positive drop, got ${budget}`);
    return { name, budget };
  });
}

const costModels = new WeakMap<ChannelAnalysis, PlanCostModel | null>();

/** The plan costing of `analysis`'s model, once per analysis (undefined: plans are applied to be costed). */
function costModel(analysis: ChannelAnalysis): PlanCostModel | undefined {
  let m = costModels.get(analysis);
  if (m === undefined) costModels.set(analysis, (m = planCostModel(analysis) ?? null));
  return m ?? undefined;
}

/** Exact cost of the model pruned with `ratios`. */
async function costOf(model: ModelProto, analysis: ChannelAnalysis, scores: ReadonlyMap<string, ArrayLike<number>>, ratios: Record<string, number>, target: AllocationTarget, criterion: string, roundTo: number, measure?: (m: ModelProto) => Promise<number>): Promise<number> {
  const plan = planFromRatios(model, analysis, scores, ratios, criterion, roundTo);
  if (target.kind !== 'latency') {
    // Counted from the kept channels (equal to measuring the applied plan; see plan-cost.ts).
    const totals = costModel(analysis) && costOfPlan(costModel(analysis)!, plan);
    if (totals) return target.kind === 'macs' ? totals.macs : totals.params;
  }
  const pruned = Object.keys(plan.groups).length ? applyPlan(model, plan, analysis) : model;
  if (target.kind === 'latency') {
    if (!measure) throw new Error('a latency target needs a measure(model) callback that times the model');
    return measure(pruned);
  }
  const m = computeMetrics(buildGraph(pruned));
  return target.kind === 'macs' ? m.macs : m.params;
}

/** Greedy on marginal drop per cost saved, using the sensitivity curves as the drop model. */
export async function allocateGreedy(model: ModelProto, analysis: ChannelAnalysis, opts: GreedyOptions): Promise<Allocation> {
  const { sensitivity: sens, target } = opts;
  const roundTo = opts.roundTo ?? 1;
  const locked = opts.locked ?? {};
  const baseCost = target.kind === 'latency' ? await opts.measure!(model) : target.kind === 'macs' ? sens.baseMacs : sens.baseParams;
  const goal = baseCost * target.keep;
  const ids = Object.keys(sens.curves).filter((id) => !(id in locked));
  const level = new Map(ids.map((id) => [id, -1]));
  const ratios: Record<string, number> = { ...locked };
  const drop = (id: string, l: number) => (l < 0 ? 0 : Math.max(0, allocationDrop(sens.curves[id]!, l)));
  const budgets = opts.budgets ? budgetCurves(sens, opts.budgets) : [];
  const taskDrop = (id: string, l: number, name: string) => (l < 0 ? 0 : Math.max(0, sens.curves[id]!.perOutput![name]![l]!));
  const spent = new Map(budgets.map((b) => [b.name, 0]));
  // Saving estimated from MACs/params of the single-group pruned models; latency follows MACs.
  const base = target.kind === 'params' ? sens.baseParams : sens.baseMacs;
  const saving = (id: string, l: number) => (l < 0 ? 0 : base - (target.kind === 'params' ? sens.curves[id]!.params[l]! : sens.curves[id]!.macs[l]!));
  let cost = await costOf(model, analysis, opts.scores, ratios, target, sens.criterion, roundTo, opts.measure);
  let predictedDrop = 0;
  // Budgets that refused a step in the current pass: when no step is left, these stopped the pruning.
  const blocked = new Set<string>();
  const result = (reached: boolean): Allocation => ({
    ratios, predictedDrop, cost, baseCost, reached,
    ...(budgets.length ? { taskDrops: Object.fromEntries(spent), binding: reached ? [] : budgets.map((b) => b.name).filter((n) => blocked.has(n)) } : {}),
  });
  while (cost > goal) {
    let best: { id: string; next: number; marginal: number } | undefined;
    blocked.clear();
    for (const id of ids) {
      const cur = level.get(id)!;
      // The next level that saves anything (rounding can make neighbouring ratios identical).
      for (let next = cur + 1; next < sens.ratios.length; next++) {
        const gained = saving(id, next) - saving(id, cur);
        if (gained <= 0) continue;
        const deltas = budgets.map((b) => taskDrop(id, next, b.name) - taskDrop(id, cur, b.name));
        const over = budgets.filter((b, i) => spent.get(b.name)! + deltas[i]! > b.budget);
        if (over.length) {
          for (const b of over) blocked.add(b.name);
          break;
        }
        const worse = budgets.length ? deltas.reduce((a, d, i) => a + d / budgets[i]!.budget, 0) : drop(id, next) - drop(id, cur);
        const marginal = worse / gained;
        if (!best || marginal < best.marginal) best = { id, next, marginal };
        break;
      }
    }
    if (!best) return result(false);
    predictedDrop += drop(best.id, best.next) - drop(best.id, level.get(best.id)!);
    for (const b of budgets) spent.set(b.name, spent.get(b.name)! + taskDrop(best.id, best.next, b.name) - taskDrop(best.id, level.get(best.id)!, b.name));
    level.set(best.id, best.next);
    ratios[best.id] = sens.ratios[best.next]!;
    cost = await costOf(model, analysis, opts.scores, ratios, target, sens.criterion, roundTo, opts.measure);
  }
  return result(true);
}

export interface BudgetedOptions {
  runner: ModelRunner;
  batches: readonly ImageBatch[];
  scores: ReadonlyMap<string, ArrayLike<number>>;
  criterion: string;
  metric: MetricName;
  /** Largest extra drop one group may add (e.g. 0.005 = half a point). */
  layerBudget: number;
  /** Largest total drop of every output. */
  totalBudget: number;
  ratios?: number[];
  /** Visit order: least sensitive first when curves are given, else largest MAC share first. */
  sensitivity?: SensitivityResult;
  /** Outputs that must each stay within the budgets (default: every graph output). */
  outputs?: string[];
  /** Stop once this is met. */
  target?: AllocationTarget;
  roundTo?: number;
  signal?: AbortSignalLike;
  onProgress?: (done: number, total: number) => void;
}

/** PAGCP-style greedy global allocation with per-layer and per-output drop budgets, measured on the images. */
export async function allocateBudgeted(model: ModelProto, analysis: ChannelAnalysis, opts: BudgetedOptions): Promise<Allocation> {
  const tries = [...(opts.ratios ?? [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])].sort((a, b) => b - a);
  const outputs = opts.outputs ?? analysis.ir.graph.output.map((o) => o.name);
  const roundTo = opts.roundTo ?? 1;
  const reference = await referenceOutputs(model, opts.runner, opts.batches, opts.signal);
  const baseline = new Map(outputs.map((o) => [o, compareOutputs(reference, reference, opts.batches, o)]));
  const area = (id: string) => {
    const curve = opts.sensitivity?.curves[id];
    return curve ? curve.drop.reduce((a, _, l) => a + Math.max(0, allocationDrop(curve, l)), 0) : 0;
  };
  const macsShare = (id: string) => -(opts.sensitivity?.curves[id]?.macs[0] ?? 0);
  const groups = analysis.groups.filter((g) => g.prunable && opts.scores.has(g.id)).map((g) => g.id);
  groups.sort((a, b) => (opts.sensitivity ? area(a) - area(b) : macsShare(a) - macsShare(b)));
  const target = opts.target ?? { kind: 'macs', keep: 0 };
  const baseCost = await costOf(model, analysis, opts.scores, {}, target, opts.criterion, roundTo);
  const drops = async (ratios: Record<string, number>): Promise<number[]> => {
    const plan = planFromRatios(model, analysis, opts.scores, ratios, opts.criterion, roundTo);
    const pruned = Object.keys(plan.groups).length ? applyPlan(model, plan, analysis) : model;
    const outs = await referenceOutputs(pruned, opts.runner, opts.batches, opts.signal);
    return outputs.map((o) => metricDrop(opts.metric, baseline.get(o)!, compareOutputs(outs, reference, opts.batches, o)));
  };
  const ratios: Record<string, number> = {};
  let current = outputs.map(() => 0);
  let cost = baseCost;
  let done = 0;
  for (const id of groups) {
    for (const r of tries) {
      checkAborted(opts.signal);
      const candidate = await drops({ ...ratios, [id]: r });
      const ok = candidate.every((d, i) => d - current[i]! <= opts.layerBudget && d <= opts.totalBudget);
      if (ok) {
        ratios[id] = r;
        current = candidate;
        break;
      }
    }
    opts.onProgress?.(++done, groups.length);
    cost = await costOf(model, analysis, opts.scores, ratios, target, opts.criterion, roundTo);
    if (opts.target && cost <= baseCost * opts.target.keep) return { ratios, predictedDrop: Math.max(...current), cost, baseCost, reached: true };
  }
  return { ratios, predictedDrop: Math.max(0, ...current), cost, baseCost, reached: !opts.target || cost <= baseCost * opts.target.keep };
}
