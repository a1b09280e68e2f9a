// Training-free recovery of a pruned model from at most N unlabelled calibration images, with any
// method of the registry (registry.ts: BN recalibration, bias correction, least squares). The
// never-worse guard lives here, once for every method: each layer change a method proposes is
// kept only when the calibration loss (every output's loss to the unpruned model, common.ts) did
// not go up.
import { removeDeadValues } from '../prune/dead.js';
import { analyseChannels, type ChannelAnalysis } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import type { ModelProto } from '../onnx/proto.js';
import type { PrunePlan } from '../prune/plan.js';
import type { SensitivityRecovery } from '../score/sensitivity.js';
import type { ImageBatch } from '../score/images.js';
import { referenceOutputs } from '../score/metric.js';
import type { AbortSignalLike, ModelRunner } from '../score/runner.js';
import { resolveTasks, type TaskKind } from '../score/loss-task.js';
import { combineLosses, lossScales, outputLosses, privateCopy, type LayerOutcome, type RecoveryContext } from './common.js';
import { LSQ_BASE_POSITIONS, type LsqOptions } from './lsq.js';
import type { DistillRecoveryOptions, TrainingSummary } from './distill.js';
import type { Recovery } from './recovery.js';
import { recoveryInfo, type RecoveryMethod } from './registry.js';

export { isRecoveryMethod, RECOVERIES, RECOVERY_METHODS, recoveryInfo, type RecoveryMethod } from './registry.js';
export type { Recovery, RecoveryJob, RecoveryStep } from './recovery.js';

export interface RecoveryOptions {
  runner: ModelRunner;
  /** Calibration images (labels are ignored). */
  batches: readonly ImageBatch[];
  /** At most this many images are used (default 512). */
  maxImages?: number;
  /** The only output the calibration loss reads (default: every graph output, each with its task's loss). */
  output?: string;
  /** Task of outputs whose detected kind is overridden (output name → kind; see score/loss-task.ts). */
  tasks?: Readonly<Record<string, TaskKind>>;
  lsq?: LsqOptions;
  /** Options of the distill method. */
  distill?: DistillRecoveryOptions;
  signal?: AbortSignalLike;
  onProgress?: (done: number, total: number) => void;
}

/**
 * What a recovery did to the calibration loss, for people: "calibration KL 0.3100 → 0.1200", or with
 * several outputs each output's own loss ("logits KL 0.1234 → 0.0456, image MSE 0.002810 → 0.002402"):
 * their combined value is relative to each step's start (1 before every step), which read like a bug.
 */
export function describeRecoveryLoss(report: Pick<RecoveryReport<string>, 'lossBefore' | 'lossAfter' | 'outputs'>): string {
  if (!report.outputs) return `calibration KL ${report.lossBefore.toFixed(4)} → ${report.lossAfter.toFixed(4)}`;
  return report.outputs.map((o) => `${o.name} ${o.task === 'dense' ? 'MSE' : 'KL'} ${o.lossBefore.toPrecision(4)} → ${o.lossAfter.toPrecision(4)}`).join(', ');
}

export interface RecoveryReport<Id extends string = RecoveryMethod> {
  method: Id;
  images: number;
  /**
   * The calibration loss before and after: mean KL(unpruned ‖ pruned) per image for one class
   * output; with several outputs the mean of their losses relative to before (so lossBefore is 1).
   */
  lossBefore: number;
  lossAfter: number;
  /** Each output's own loss (KL, or mean squared error for dense outputs), when the model has several. */
  outputs?: { name: string; task: TaskKind; lossBefore: number; lossAfter: number }[];
  layers: LayerOutcome[];
  /** Training methods (distill): epochs, seconds, loss and held-out agreement per epoch. */
  training?: TrainingSummary;
}

/** Keeps whole batches (and a prefix of the last one) up to `max` images. */
export function limitImages(batches: readonly ImageBatch[], max: number): ImageBatch[] {
  const out: ImageBatch[] = [];
  let left = max;
  for (const b of batches) {
    if (left <= 0) break;
    const n = Object.values(b.feeds)[0]!.dims[0]!;
    if (n <= left) out.push(b);
    else {
      const feeds = Object.fromEntries(Object.entries(b.feeds).map(([k, t]) => [k, { dims: [left, ...t.dims.slice(1)], data: t.data.slice(0, (t.data.length / n) * left) }]));
      out.push({ feeds, labels: b.labels?.slice(0, left) });
    }
    left -= n;
  }
  return out;
}

/**
 * Recovers `pruned` (made from `original` with `plan`) with `method` (an id of RECOVERIES; others
 * throw); returns a new model (the inputs are not modified) and a report of what changed per layer.
 */
export async function recoverPruned(original: ModelProto, pruned: ModelProto, plan: PrunePlan, method: RecoveryMethod, options: RecoveryOptions, analysis: ChannelAnalysis = analyseChannels(buildGraph(original))): Promise<{ model: ModelProto; report: RecoveryReport }> {
  return runRecovery(recoveryInfo(method), original, pruned, plan, options, analysis);
}

/** recoverPruned with a Recovery object: the never-worse guard around each layer change it proposes. */
export async function runRecovery<Id extends string>(recovery: Recovery<Id>, original: ModelProto, pruned: ModelProto, plan: PrunePlan, options: RecoveryOptions, analysis: ChannelAnalysis = analyseChannels(buildGraph(original))): Promise<{ model: ModelProto; report: RecoveryReport<Id> }> {
  const batches = limitImages(options.batches, options.maxImages ?? 512);
  const images = batches.reduce((a, b) => a + Object.values(b.feeds)[0]!.dims[0]!, 0);
  const names = options.output ? [options.output] : original.graph!.output.map((o) => o.name);
  const tasks = resolveTasks(analysis.ir, analysis.shapes, options.tasks);
  const ctx: RecoveryContext = {
    runner: options.runner,
    batches,
    reference: await referenceOutputs(original, options.runner, batches, options.signal),
    outputs: names.map((name) => ({ name, task: tasks.get(name) ?? 'class', scale: 1 })),
    signal: options.signal,
  };
  const model = privateCopy(pruned);
  const startLosses = await outputLosses(model, ctx);
  if (names.length > 1) lossScales(startLosses).forEach((scale, i) => (ctx.outputs[i]!.scale = scale));
  const lossBefore = combineLosses(startLosses, ctx.outputs);
  const layers: LayerOutcome[] = [];
  let loss = lossBefore;
  let losses = startLosses;
  let training: TrainingSummary | undefined;
  for await (const step of recovery.run({ original, analysis, plan, model, ctx, lsq: options.lsq, distill: options.distill, onProgress: options.onProgress })) {
    if ('skipped' in step) {
      layers.push({ node: step.node, action: 'skipped', reason: step.skipped });
      continue;
    }
    training ??= step.training;
    const undo = step.apply();
    const afterLosses = await outputLosses(model, ctx);
    const after = combineLosses(afterLosses, ctx.outputs);
    if (after <= loss) {
      layers.push({ node: step.node, action: 'updated', lossBefore: loss, lossAfter: after });
      loss = after;
      losses = afterLosses;
    } else {
      undo();
      layers.push({ node: step.node, action: 'kept-original', reason: step.worse, lossBefore: loss, lossAfter: after });
    }
  }
  const outputs = names.length > 1 ? ctx.outputs.map((o, i) => ({ name: o.name, task: o.task, lossBefore: startLosses[i]!, lossAfter: losses[i]! })) : undefined;
  // A layer given its own copy of a shared or Constant-node tensor leaves the old one unread.
  removeDeadValues(model.graph!);
  return { model, report: { method: recovery.id, images, lossBefore, lossAfter: loss, ...(outputs ? { outputs } : {}), layers, ...(training ? { training } : {}) } };
}

/**
 * Recovery-aware sensitivity curves (score/sensitivity.ts `recover`): every (group, ratio) model is
 * recovered with the training-free `method` on `options`' images before it is measured. On the
 * two-task models at 50 % of MACs with least squares, curves measured after lsq moved the allocation
 * from the layers lsq cannot mend to those it can (docs/criteria.md).
 */
export function sensitivityRecovery(original: ModelProto, method: RecoveryMethod, options: RecoveryOptions, analysis: ChannelAnalysis = analyseChannels(buildGraph(original))): SensitivityRecovery {
  if (method === 'distill') throw new Error('sensitivity curves are measured after a training-free recovery (lsq, bias, bn): distillation would train once per curve point; distil the final model instead');
  // Curves refit once per (group, ratio) point and only compare the points: they keep the positions
  // per layer they were measured with before the final refit sampled more (lsqPositions), at half the time.
  const curveOptions: RecoveryOptions = { ...options, lsq: { maxPositions: LSQ_BASE_POSITIONS, ...options.lsq } };
  return { method, run: async (pruned, plan) => (await recoverPruned(original, pruned, plan, method, curveOptions, analysis)).model };
}
