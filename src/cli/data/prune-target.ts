// `prune --keep-macs F | --keep-params F [--allocate uniform|global|sensitivity]`: parsing the cost
// target, measuring the sensitivity curves when they are asked for, and the report of how close
// the written model came. The search itself is core (prune/target.ts: planForTarget).
import { choiceOption, flag, numberOption, stringOption, UsageError, type ParsedArgs } from '../args.js';
import type { CliIO } from '../io.js';
import type { ChannelAnalysis } from '../../core/graph/channels/analyse.js';
import type { ShapeOptions } from '../../core/graph/shapes.js';
import type { ModelProto } from '../../core/onnx/proto.js';
import { planCosting } from '../../core/prune/plan-costing.js';
import { ALLOCATION_METHODS, planForTarget, type AllocationMethod, type CostTarget, type TargetPlan } from '../../core/prune/target.js';
import { parseTaskBudgets, type TaskKind } from '../../core/score/loss-task.js';
import { analyseSensitivity, type SensitivityOutput } from '../../core/score/sensitivity.js';
import { taskBudgetOutcomes, type TaskBudgetOutcome } from '../../core/prune/allocate.js';
import type { ImageBatch } from '../../core/score/images.js';
import { RECOVERY_METHODS, sensitivityRecovery, type RecoveryMethod } from '../../core/recover/recover.js';
import { loadImageBatches, nodeModelRunner } from './score-images.js';
import { sensitivityProgressLine } from './sensitivity-progress.js';

/** Option names that take a value (prune's valueOptions). */
export const TARGET_VALUE_OPTIONS = ['keep-macs', 'keep-params', 'allocate', 'task-budget', 'sensitivity-recover'];

/** Usage lines of the target options. */
export const TARGET_USAGE = [
  '  --keep-macs F        choose the ratios so the model keeps fraction F (0 < F < 1) of its MACs',
  '  --keep-params F      … or of its parameters',
  '  --allocate A         how --keep-* spreads the pruning: global (default; channels of all groups ranked',
  '                       together by normalised score), uniform (one ratio for every group) or',
  '                       sensitivity (greedy on per-group curves measured on --images)',
  '  --task-budget NAME=DROP[,…]  multi-output models (PAGCP): the largest predicted drop of each output, in its',
  '                       task\'s measure (class: accuracy/agreement, 0.01 = 1 point; dense: 1 − R² against the',
  '                       unpruned output; segmentation: pixel agreement); implies --allocate sensitivity',
  '  --sensitivity-recover M  with --allocate sensitivity: measure each curve point after recovery M (lsq, bias',
  '                       or bn) on the same images, so the allocation sees what pruning costs once the refit',
  '                       has run (slower: one recovery per group and ratio); use with --recover M',
];

/** Training-free recoveries a sensitivity curve point can be measured after (distillation would train per point). */
export const SENSITIVITY_RECOVERIES = RECOVERY_METHODS.filter((m) => m !== 'distill' && m !== 'none');

/** `--NAME M` (sensitivity-recover for prune, recover for sensitivity): a training-free recovery, or undefined. */
export function sensitivityRecoverOption(args: ParsedArgs, name: string): RecoveryMethod | undefined {
  const v = stringOption(args, name);
  if (v === undefined || v === 'none') return undefined;
  if (v === 'distill') throw new UsageError(`--${name} distill would train once per group and ratio: measure the curves after lsq (--${name} lsq) and distil the final model (prune --recover lsq,distill)`);
  if (!(SENSITIVITY_RECOVERIES as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${SENSITIVITY_RECOVERIES.join(', ')} (or none), got "${v}"`);
  return v as RecoveryMethod;
}

/** The hook that recovers every curve point on the sensitivity images (core sensitivityRecovery). */
export function curveRecovery(model: ModelProto, analysis: ChannelAnalysis, method: RecoveryMethod | undefined, batches: readonly ImageBatch[], tasks?: Record<string, TaskKind>) {
  return method ? { recover: sensitivityRecovery(model, method, { runner: nodeModelRunner, batches, tasks }, analysis) } : {};
}

/** What `--keep-*` and `--allocate` ask for. */
export interface TargetRequest extends CostTarget {
  method: AllocationMethod;
  /** --task-budget: output name → largest predicted drop. */
  budgets?: Record<string, number>;
  /** --sensitivity-recover: the recovery each curve point is measured after. */
  curveRecovery?: RecoveryMethod;
}

/** --task-budget NAME=DROP[,…] (undefined when absent). */
export function taskBudgetOption(args: ParsedArgs): Record<string, number> | undefined {
  const v = args.options.get('task-budget');
  if (v === undefined) return undefined;
  if (v === true) throw new UsageError('--task-budget needs NAME=DROP[,NAME=DROP…]');
  try {
    return parseTaskBudgets(v.split(',').filter(Boolean));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Images the sensitivity curves are measured on (as `sensitivity` does by default). */
const SENSITIVITY_IMAGES = 256;

/**
 * Reads --keep-macs / --keep-params / --allocate; undefined without a target. Contradictions
 * (a target with --ratio, --plan or --lossless, both targets, --allocate without a target,
 * sensitivity without images) are UsageErrors saying what to drop.
 */
export function targetOption(args: ParsedArgs, images: string | undefined): TargetRequest | undefined {
  const macs = numberOption(args, 'keep-macs');
  const params = numberOption(args, 'keep-params');
  const method = choiceOption(args, 'allocate', ALLOCATION_METHODS);
  const budgets = taskBudgetOption(args);
  if (macs === undefined && params === undefined) {
    if (budgets) throw new UsageError('--task-budget bounds each output\'s drop while pruning towards a cost: give --keep-macs F or --keep-params F with it');
    if (method) throw new UsageError(`--allocate ${method} spreads a cost target over the groups: give --keep-macs F or --keep-params F with it (--ratio R removes the same fraction from every group)`);
    return undefined;
  }
  if (macs !== undefined && params !== undefined) throw new UsageError('give one of --keep-macs and --keep-params, not both');
  const name = macs !== undefined ? 'keep-macs' : 'keep-params';
  const keep = (macs ?? params)!;
  if (!(keep > 0 && keep < 1)) throw new UsageError(`--${name} must be a fraction in (0, 1) of the unpruned model's ${macs !== undefined ? 'MACs' : 'parameters'} to keep (0.5 = half), got "${stringOption(args, name)}"`);
  if (args.options.has('ratio')) throw new UsageError(`--ratio and --${name} both choose how much to remove: give --ratio R for a fixed fraction of every group's channels, or --${name} F to reach a cost`);
  if (args.options.has('plan')) throw new UsageError(`--plan applies a plan as it is, so --${name} cannot change it: drop --${name}, or make a plan for the target with \`prune MODEL -o OUT --${name} ${keep} --plan-out PLAN.json\``);
  if (flag(args, 'lossless')) throw new UsageError(`--lossless removes only provably constant channels, whatever their cost: drop --${name} or --lossless`);
  const chosen = method ?? (budgets ? 'sensitivity' : 'global');
  const curveRecover = sensitivityRecoverOption(args, 'sensitivity-recover');
  if (curveRecover && chosen !== 'sensitivity') throw new UsageError(`--sensitivity-recover measures the sensitivity curves after recovery: it needs --allocate sensitivity, not ${chosen}`);
  if (budgets && chosen !== 'sensitivity') throw new UsageError(`--task-budget is honoured by --allocate sensitivity (curves per output), not by --allocate ${chosen}: drop one of them`);
  if (chosen === 'sensitivity' && !images) throw new UsageError(`${budgets ? '--task-budget' : '--allocate sensitivity'} measures per-group curves on images: give --images DIR${budgets ? '' : ' (or --allocate global, which needs none)'}`);
  return { kind: macs !== undefined ? 'macs' : 'params', keep, method: chosen, ...(budgets ? { budgets } : {}), ...(curveRecover ? { curveRecovery: curveRecover } : {}) };
}

export interface TargetContext {
  scores: ReadonlyMap<string, ArrayLike<number>>;
  criterion: string;
  maxRatio?: number;
  roundTo?: number;
  allowNonFinite?: boolean;
  groupedConvolutions: boolean;
  shapeOptions: ShapeOptions;
  images?: string;
  cwd: string;
  io: Pick<CliIO, 'stderr'>;
  /** --task overrides: the task each output's sensitivity is measured for. */
  tasks?: Record<string, TaskKind>;
}

/** The target's plan, with the sensitivity curves measured first when the allocation needs them. */
export async function planToTarget(model: ModelProto, analysis: ChannelAnalysis, request: TargetRequest, ctx: TargetContext): Promise<{ found: TargetPlan; sensitivityImages?: number; metric?: string; outputs?: SensitivityOutput[] }> {
  const costing = planCosting(model, analysis, ctx.shapeOptions, { groupedConvolutions: ctx.groupedConvolutions });
  if (!(costing.base[request.kind] > 0)) {
    throw new UsageError(`the model's ${request.kind === 'macs' ? 'MACs are unknown' : 'parameter count is 0'}, so --keep-${request.kind} has nothing to keep a fraction of${request.kind === 'macs' ? ': give --input-shape for a model with dynamic input dims, or use --ratio' : ''}`);
  }
  if (request.kind === 'macs' && costing.macsLowerBound) {
    ctx.io.stderr('prune: warning: some MACs of the model are unknown (dynamic input dims); the target is on the known ones: give --input-shape to count them all\n');
  }
  let sensitivity;
  let images: number | undefined;
  if (request.method === 'sensitivity') {
    const data = loadImageBatches(model, ctx.images!, ctx.cwd, { limit: SENSITIVITY_IMAGES });
    images = data.images;
    sensitivity = await analyseSensitivity(model, {
      runner: nodeModelRunner, batches: data.batches, scores: ctx.scores, criterion: ctx.criterion, tasks: ctx.tasks,
      ...curveRecovery(model, analysis, request.curveRecovery, data.batches, ctx.tasks),
      onProgress: (p) => ctx.io.stderr(sensitivityProgressLine(p)),
    }, analysis);
    ctx.io.stderr('\n');
  }
  const found = await planForTarget(model, analysis, {
    target: request, method: request.method, scores: ctx.scores, criterion: ctx.criterion,
    maxRatio: ctx.maxRatio, roundTo: ctx.roundTo, allowNonFinite: ctx.allowNonFinite, sensitivity, costing, budgets: request.budgets,
  });
  return { found, ...(images !== undefined ? { sensitivityImages: images, metric: sensitivity!.metric } : {}), ...(sensitivity?.outputs ? { outputs: sensitivity.outputs } : {}) };
}

/** The report's `target`: how much of the unpruned cost the written model keeps (its real metrics). */
export interface TargetReport {
  kind: 'macs' | 'params';
  keep: number;
  /** after / before of the written model. */
  reached: number;
  met: boolean;
}

/** The report's `allocation`. */
export interface AllocationReport {
  method: AllocationMethod;
  /** Group id → fraction of its channels removed, for every prunable group considered. */
  ratios: Record<string, number>;
  /** uniform: the ratio asked of every group. */
  ratio?: number;
  /** sensitivity: the drop the curves predict, the metric and the images they were measured on. */
  predictedDrop?: number;
  metric?: string;
  images?: number;
  /** --sensitivity-recover: the recovery every curve point was measured after. */
  curveRecovery?: string;
  /** --task-budget: per output, its budget, the drop the curves predict and the measure both are in. */
  tasks?: Record<string, TaskBudgetOutcome>;
  /** --task-budget: true when a budget, not the cost target, stopped the pruning. */
  budgetLimited?: boolean;
}

export function targetReports(request: TargetRequest, result: Awaited<ReturnType<typeof planToTarget>>, before: { macs: number; params: number }, after: { macs: number; params: number }): { target: TargetReport; allocation: AllocationReport } {
  const reached = before[request.kind] > 0 ? after[request.kind] / before[request.kind] : 1;
  const { found } = result;
  return {
    target: { kind: request.kind, keep: request.keep, reached, met: reached <= request.keep },
    allocation: {
      method: found.method,
      ratios: found.ratios,
      ...(found.ratio !== undefined ? { ratio: found.ratio } : {}),
      ...(found.predictedDrop !== undefined ? { predictedDrop: found.predictedDrop, metric: result.metric, images: result.sensitivityImages } : {}),
      ...(request.curveRecovery ? { curveRecovery: request.curveRecovery } : {}),
      ...(found.taskDrops ? {
        tasks: taskBudgetOutcomes(found.taskDrops, request.budgets!, result.outputs),
        budgetLimited: !!found.budgetLimited,
      } : {}),
    },
  };
}

const percent = (f: number) => `${(f * 100).toFixed(1)} %`;

/** The text line of the target, and the warning when it was not met. */
export function targetText(target: TargetReport, allocation: AllocationReport, maxRatio: number | undefined): { line: string; warning?: string } {
  const what = target.kind === 'macs' ? 'MACs' : 'params';
  const budgetLines = Object.entries(allocation.tasks ?? {}).map(([name, t]) => `\n  budget  ${name}: predicted drop ${t.predictedDrop.toFixed(4)} of ${t.budget} (${t.measure})`);
  const line = `  target  keep ${percent(target.keep)} of ${what} (${allocation.method}${allocation.curveRecovery ? `, curves after ${allocation.curveRecovery}` : ''}${allocation.ratio !== undefined ? ` ratio ${allocation.ratio.toFixed(3)}` : ''}): kept ${percent(target.reached)}${target.met ? '' : '  (NOT met)'}${budgetLines.join('')}`;
  if (target.met) return { line };
  if (allocation.budgetLimited) {
    return { line, warning: `prune: warning: the task budgets stop the pruning before the target (keep ${percent(target.keep)} of ${what}): the model keeps ${percent(target.reached)}; the plan within every budget was written. To go further, raise --task-budget for the output that binds (its predicted drop equals its budget)\n` };
  }
  const why = Object.keys(allocation.ratios).length === 0 ? 'the model has no prunable group'
    : allocation.method === 'sensitivity' ? 'the sensitivity allocation ran out of measured ratios'
    : maxRatio !== undefined ? `every group it could prune is at --max-ratio ${maxRatio}` : 'every group it could prune keeps a single channel';
  const fix = maxRatio !== undefined ? 'raise --max-ratio, or ' : '';
  return {
    line,
    warning: `prune: warning: the target (keep ${percent(target.keep)} of ${what}) cannot be met: ${why}, and the model still keeps ${percent(target.reached)}; the closest plan was written. To go further: ${fix}${allocation.method === 'sensitivity' ? 'try --allocate global, or ' : ''}see \`prune-studio groups MODEL\` for the barriers that keep layers whole (--grouped-convs frees grouped convolutions)\n`,
  };
}
