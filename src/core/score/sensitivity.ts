// Sensitivity analysis: prune each group alone at several ratios (keeping its highest-scoring
// channels) and measure how much the chosen metric drops on the images. The curves drive the
// allocators in prune/allocate.ts. MACs and parameters of each pruned model are recorded too.
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { computeMetrics } from '../metrics/model-metrics.js';
import type { ModelProto } from '../onnx/proto.js';
import { applyPlan } from '../prune/apply.js';
import { planFromRatios } from '../prune/allocate-plan.js';
import type { PrunePlan } from '../prune/plan.js';
import type { ImageBatch } from './images.js';
import { compareOutputs, metricDrop, referenceOutputs, type MetricName, type Quality } from './metric.js';
import { resolveTasks, type TaskKind } from './loss-task.js';
import type { AbortSignalLike, ModelRunner } from './runner.js';
import { taskDrop, taskDropMeasure } from './task-drop.js';
import { checkAborted } from './runner.js';
import { FrontierCache, prunedTail, runTail, tailBase } from './sensitivity-tail.js';

export const DEFAULT_RATIOS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export interface SensitivityProgress {
  done: number;
  total: number;
  group: string;
  ratio: number;
  /** Estimated seconds until the last step: the mean time per step so far times the steps left. */
  secondsLeft: number;
}

export interface SensitivityOptions {
  runner: ModelRunner;
  batches: readonly ImageBatch[];
  /** Group id → channel scores (from scoreGroups); groups without scores are skipped. */
  scores: ReadonlyMap<string, ArrayLike<number>>;
  criterion: string;
  ratios?: number[];
  /** Default: accuracy when every image is labelled, else agreement. */
  metric?: MetricName;
  /** Output the metric is read from (default: the first graph output). */
  output?: string;
  /** Task of outputs whose detected kind is overridden (loss-task.ts); every output gets a curve when there are several. */
  tasks?: Readonly<Record<string, TaskKind>>;
  /** Only these groups (default: every scored prunable group). */
  groups?: string[];
  signal?: AbortSignalLike;
  onProgress?: (p: SensitivityProgress) => void;
  /**
   * Run the whole pruned model for every (group, ratio) instead of only the part after the pruned
   * group's first changed layer (sensitivity-tail.ts). The results are the same; this is the
   * slower reference path, kept for tests and benches.
   */
  fullModel?: boolean;
  /**
   * Recovery-aware curves: each single-group pruned model is recovered (e.g. least squares) before it
   * is measured, so the allocation sees what pruning costs after the refit that will follow it. The
   * whole recovered model runs (the refit changes layers after the group).
   */
  recover?: SensitivityRecovery;
}

/** A recovery run on every (group, ratio) model before it is measured; `method` is recorded in the result. */
export interface SensitivityRecovery {
  method: string;
  run(pruned: ModelProto, plan: PrunePlan): Promise<ModelProto>;
}

/** One group's curve. */
export interface SensitivityCurve {
  /** Metric drop at each ratio (positive = worse). */
  drop: number[];
  /** MACs and params of the whole model with only this group pruned, at each ratio. */
  macs: number[];
  params: number[];
  /** Models with several outputs: each output's drop at each ratio, in its task's measure (task-drop.ts). */
  perOutput?: Record<string, number[]>;
}

/**
 * The drop allocation weighs for a curve at level `l`: the metric drop of the main output, or, for
 * models with several outputs, the largest drop over the outputs (each in its task's measure) — a
 * group that hurts any task costs what it costs that task, as per-output scores combine by max. Without
 * it a decoder that the class output never reads looked free and was cut to 1/12 of its channels.
 */
export function allocationDrop(curve: SensitivityCurve, l: number): number {
  if (!curve.perOutput) return curve.drop[l]!;
  return Math.max(...Object.values(curve.perOutput).map((d) => d[l]!));
}

/** An output of a model with several, the task its drop is measured for and the measure's name. */
export interface SensitivityOutput {
  name: string;
  task: TaskKind;
  measure: string;
}

export interface SensitivityResult {
  ratios: number[];
  metric: MetricName;
  criterion: string;
  /** The unpruned model's quality (agreement 1 and KL 0 by definition). */
  baseline: Quality;
  baseMacs: number;
  baseParams: number;
  curves: Record<string, SensitivityCurve>;
  /** Models with several outputs: every output, in the order of the graph (curves' `perOutput` keys). */
  outputs?: SensitivityOutput[];
  /** The recovery each pruned model had before it was measured, when the curves are recovery-aware. */
  recovery?: string;
}

/** Measures every group's sensitivity; one pruned model per (group, ratio). */
export async function analyseSensitivity(model: ModelProto, options: SensitivityOptions, analysis: ChannelAnalysis = analyseChannels(buildGraph(model))): Promise<SensitivityResult> {
  const ratios = options.ratios ?? DEFAULT_RATIOS;
  const output = options.output ?? analysis.ir.graph.output[0]!.name;
  const metric = options.metric ?? (options.batches.every((b) => b.labels) ? 'accuracy' : 'agreement');
  const reference = await referenceOutputs(model, options.runner, options.batches, options.signal);
  const baseline = compareOutputs(reference, reference, options.batches, output);
  const base = computeMetrics(analysis.ir, analysis.shapes);
  const wanted = new Set(options.groups ?? analysis.groups.map((g) => g.id));
  const groups = analysis.groups.filter((g) => g.prunable && wanted.has(g.id) && options.scores.has(g.id));
  const names = analysis.ir.graph.output.map((o) => o.name);
  const taskOf = resolveTasks(analysis.ir, analysis.shapes, options.tasks);
  const outputs = names.length > 1 ? names.map((name) => ({ name, task: taskOf.get(name)!, measure: taskDropMeasure(taskOf.get(name)!, metric) })) : undefined;
  const curves: SensitivityResult['curves'] = {};
  const total = groups.length * ratios.length;
  let done = 0;
  const started = Date.now();
  const tails = options.fullModel ? undefined : tailBase(model, analysis.shapes);
  const cache = tails && new FrontierCache(tails, options.runner, options.batches, options.signal);
  // Graph order (a group's id is its first producer), so each group's frontier is captured from the
  // previous group's, running only the layers in between (FrontierCache); curves keep the analysis order.
  const position = new Map(analysis.ir.nodes.map((n, i) => [analysis.ir.nodeId.get(n)!, i]));
  const visit = cache ? [...groups].sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0)) : groups;
  const measured = new Map<string, SensitivityCurve>();
  for (const g of visit) {
    cache?.startGroup();
    const curve: SensitivityCurve = { drop: [], macs: [], params: [], ...(outputs ? { perOutput: Object.fromEntries(outputs.map((o) => [o.name, []])) } : {}) };
    for (const ratio of ratios) {
      checkAborted(options.signal);
      const plan = planFromRatios(model, analysis, options.scores, { [g.id]: ratio }, options.criterion);
      const cut = Object.keys(plan.groups).length ? applyPlan(model, plan, analysis) : model;
      const pruned = options.recover && cut !== model ? await options.recover.run(cut, plan) : cut;
      const prunedIr = buildGraph(pruned);
      const cost = computeMetrics(prunedIr);
      const tail = tails && !options.recover && prunedTail(tails, pruned);
      const outs =
        tail === 'unchanged' ? reference : tail ? await runTail(tail, cache!, options.runner, reference, options.signal) : await referenceOutputs(pruned, options.runner, options.batches, options.signal);
      curve.drop.push(metricDrop(metric, baseline, compareOutputs(outs, reference, options.batches, output)));
      for (const o of outputs ?? []) curve.perOutput![o.name]!.push(taskDrop(o.task, metric, outs, reference, options.batches, o.name));
      curve.macs.push(cost.macs);
      curve.params.push(cost.params);
      done++;
      options.onProgress?.({ done, total, group: g.id, ratio, secondsLeft: ((Date.now() - started) / 1000 / done) * (total - done) });
    }
    measured.set(g.id, curve);
  }
  for (const g of groups) curves[g.id] = measured.get(g.id)!;
  return { ratios, metric, criterion: options.criterion, baseline, baseMacs: base.macs, baseParams: base.params, curves, ...(outputs ? { outputs } : {}), ...(options.recover ? { recovery: options.recover.method } : {}) };
}
