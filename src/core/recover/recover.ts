// Training-free recovery of a pruned model from at most N unlabelled calibration images:
//   bn   – BatchNorm recalibration (models that kept BN),
//   bias – bias correction for the removed channels' mean contribution (BN fused),
//   lsq  – least-squares reconstruction of each consumer layer's kept weights.
// Every method measures the calibration loss (KL to the unpruned model) after each layer it touches
// and undoes that layer when the loss got worse, so recovery never makes it worse overall.
import { analyseChannels, type ChannelAnalysis } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import type { ModelProto } from '../onnx/proto.js';
import type { PrunePlan } from '../prune/plan.js';
import type { ImageBatch } from '../score/images.js';
import { referenceOutputs } from '../score/metric.js';
import type { AbortSignalLike, ModelRunner } from '../score/runner.js';
import { correctBiases } from './bias-correct.js';
import { recalibrateBatchNorm } from './bn-recalibrate.js';
import { calibrationLoss, privateCopy, type LayerOutcome, type RecoveryContext } from './common.js';
import { reconstructLayers, type LsqOptions } from './lsq.js';

export const RECOVERY_METHODS = ['none', 'bn', 'bias', 'lsq'] as const;
export type RecoveryMethod = (typeof RECOVERY_METHODS)[number];

export interface RecoveryOptions {
  runner: ModelRunner;
  /** Calibration images (labels are ignored). */
  batches: readonly ImageBatch[];
  /** At most this many images are used (default 512). */
  maxImages?: number;
  /** Output the calibration loss is read from (default: the first graph output). */
  output?: string;
  lsq?: LsqOptions;
  signal?: AbortSignalLike;
  onProgress?: (done: number, total: number) => void;
}

export interface RecoveryReport {
  method: RecoveryMethod;
  images: number;
  /** Mean KL(unpruned ‖ pruned) per calibration image, before and after. */
  lossBefore: number;
  lossAfter: number;
  layers: LayerOutcome[];
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
 * Recovers `pruned` (made from `original` with `plan`) with `method`; returns a new model (the
 * inputs are not modified) and a report of what changed per layer.
 */
export async function recoverPruned(original: ModelProto, pruned: ModelProto, plan: PrunePlan, method: RecoveryMethod, options: RecoveryOptions, analysis: ChannelAnalysis = analyseChannels(buildGraph(original))): Promise<{ model: ModelProto; report: RecoveryReport }> {
  const batches = limitImages(options.batches, options.maxImages ?? 512);
  const images = batches.reduce((a, b) => a + Object.values(b.feeds)[0]!.dims[0]!, 0);
  const ctx: RecoveryContext = {
    runner: options.runner,
    batches,
    reference: await referenceOutputs(original, options.runner, batches, options.signal),
    output: options.output ?? original.graph!.output[0]!.name,
    signal: options.signal,
  };
  const model = privateCopy(pruned);
  const lossBefore = await calibrationLoss(model, ctx);
  let layers: LayerOutcome[] = [];
  if (method === 'bn') layers = await recalibrateBatchNorm(model, ctx, options.onProgress);
  else if (method === 'bias') layers = await correctBiases(original, analysis, plan, model, ctx, options.onProgress);
  else if (method === 'lsq') layers = await reconstructLayers(original, analysis, plan, model, ctx, options.lsq, options.onProgress);
  const lossAfter = method === 'none' ? lossBefore : await calibrationLoss(model, ctx);
  return { model: method === 'none' ? pruned : model, report: { method, images, lossBefore, lossAfter, layers } };
}
