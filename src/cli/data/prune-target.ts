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
import { analyseSensitivity } from '../../core/score/sensitivity.js';
import { loadImageBatches, nodeModelRunner } from './score-images.js';

/** Option names that take a value (prune's valueOptions). */
export const TARGET_VALUE_OPTIONS = ['keep-macs', 'keep-params', 'allocate'];

/** Usage lines of the target options. */
export const TARGET_USAGE = [
  '  --keep-macs F        choose the ratios so the model keeps fraction F (0 < F < 1) of its MACs',
  '  --keep-params F      … or of its parameters',
  '  --allocate A         how --keep-* spreads the pruning: global (default; channels of all groups ranked',
  '                       together by normalised score), uniform (one ratio for every group) or',
  '                       sensitivity (greedy on per-group curves measured on --images)',
];

/** What `--keep-*` and `--allocate` ask for. */
export interface TargetRequest extends CostTarget {
  method: AllocationMethod;
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
  if (macs === undefined && params === undefined) {
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
  const chosen = method ?? 'global';
  if (chosen === 'sensitivity' && !images) throw new UsageError('--allocate sensitivity measures per-group curves on images: give --images DIR (or --allocate global, which needs none)');
  return { kind: macs !== undefined ? 'macs' : 'params', keep, method: chosen };
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
}

/** The target's plan, with the sensitivity curves measured first when the allocation needs them. */
export async function planToTarget(model: ModelProto, analysis: ChannelAnalysis, request: TargetRequest, ctx: TargetContext): Promise<{ found: TargetPlan; sensitivityImages?: number; metric?: string }> {
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
      runner: nodeModelRunner, batches: data.batches, scores: ctx.scores, criterion: ctx.criterion,
      onProgress: (p) => ctx.io.stderr(`\rsensitivity: ${p.done}/${p.total} (${p.group} @ ${Math.round(p.ratio * 100)} %)`.padEnd(80)),
    }, analysis);
    ctx.io.stderr('\n');
  }
  const found = await planForTarget(model, analysis, {
    target: request, method: request.method, scores: ctx.scores, criterion: ctx.criterion,
    maxRatio: ctx.maxRatio, roundTo: ctx.roundTo, allowNonFinite: ctx.allowNonFinite, sensitivity, costing,
  });
  return { found, ...(images !== undefined ? { sensitivityImages: images, metric: sensitivity!.metric } : {}) };
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
    },
  };
}

const percent = (f: number) => `${(f * 100).toFixed(1)} %`;

/** The text line of the target, and the warning when it was not met. */
export function targetText(target: TargetReport, allocation: AllocationReport, maxRatio: number | undefined): { line: string; warning?: string } {
  const what = target.kind === 'macs' ? 'MACs' : 'params';
  const line = `  target  keep ${percent(target.keep)} of ${what} (${allocation.method}${allocation.ratio !== undefined ? ` ratio ${allocation.ratio.toFixed(3)}` : ''}): kept ${percent(target.reached)}${target.met ? '' : '  (NOT met)'}`;
  if (target.met) return { line };
  const why = Object.keys(allocation.ratios).length === 0 ? 'the model has no prunable group'
    : allocation.method === 'sensitivity' ? 'the sensitivity allocation ran out of measured ratios'
    : maxRatio !== undefined ? `every group it could prune is at --max-ratio ${maxRatio}` : 'every group it could prune keeps a single channel';
  const fix = maxRatio !== undefined ? 'raise --max-ratio, or ' : '';
  return {
    line,
    warning: `prune: warning: the target (keep ${percent(target.keep)} of ${what}) cannot be met: ${why}, and the model still keeps ${percent(target.reached)}; the closest plan was written. To go further: ${fix}${allocation.method === 'sensitivity' ? 'try --allocate global, or ' : ''}see \`prune-studio groups MODEL\` for the barriers that keep layers whole (--grouped-convs frees grouped convolutions)\n`,
  };
}
