// Distillation as a recovery method: trains the pruned model's weights to reproduce the unpruned
// model's outputs (core/train/distill.ts). Unlike the training-free methods it proposes one change,
// all trained parameters at once; the guard of recover.ts keeps it only when the calibration KL did
// not get worse, on top of the trainer's own best-epoch choice on held-out images.
import { distill, DEFAULT_DISTILL_SETTINGS, type DistillResult, type DistillSettings } from '../train/distill.js';
import { trainingImages } from '../train/images.js';
import type { EpochReport } from '../train/trainer.js';
import type { ImageBatch } from '../score/images.js';
import type { TaskKind } from '../score/loss-task.js';
import type { AbortSignalLike, ModelRunner } from '../score/runner.js';
import { tensorDims } from '../onnx/tensor.js';
import { hasFloat16, toFloat32 } from '../convert/fp32.js';
import { editInitializers } from './common.js';
import type { Recovery } from './recovery.js';

/** What distillation reads beyond the shared recovery options. */
export interface DistillRecoveryOptions {
  /** Training images (default: the calibration images). Labels, when every image has one, mix in cross-entropy. */
  batches?: readonly ImageBatch[];
  settings?: Partial<DistillSettings>;
  tasks?: Readonly<Record<string, TaskKind>>;
  /** Stops training and keeps the best parameters so far (the recovery signal aborts everything). */
  stop?: AbortSignalLike;
  gate?: () => Promise<void>;
  onEpoch?: (report: EpochReport) => void;
  onStep?: (step: number, total: number, loss: number) => void;
  /** Where the teacher, the training graph and the held-out checks run (default: the recovery's runner; the studio passes WebGPU's). */
  runner?: ModelRunner;
}

/** What a distillation run reports (the JSON report's `training`). */
export type TrainingSummary = Pick<DistillResult, 'history' | 'bestEpoch' | 'stoppedBy' | 'note' | 'seconds' | 'steps' | 'images'> & {
  parameters: number;
  settings: DistillSettings;
};

/** The report's view of a distillation run (no parameters, only their count). */
export function trainingSummary(result: DistillResult, settings: DistillSettings): TrainingSummary {
  return {
    history: result.history, bestEpoch: result.bestEpoch, stoppedBy: result.stoppedBy, note: result.note, seconds: result.seconds, steps: result.steps,
    images: result.images, parameters: result.parameters.length, settings,
  };
}

export const distillRecovery: Recovery<'distill'> = {
  id: 'distill',
  name: 'distillation',
  trains: true,
  description: 'Distil: train the remaining weights to reproduce the unpruned model on the images (KL at a temperature; slower, recovers the most).',
  async *run(job) {
    const opts = job.distill ?? {};
    const settings: DistillSettings = { ...DEFAULT_DISTILL_SETTINGS, ...opts.settings };
    // fp16 models train on float32 copies; the trained values go back into the fp16 model as fp16.
    const half = hasFloat16(job.model);
    const result = await distill({
      runner: opts.runner ?? job.ctx.runner,
      teacher: hasFloat16(job.original) ? toFloat32(job.original) : job.original,
      student: half ? toFloat32(job.model) : job.model,
      images: trainingImages(opts.batches ?? job.ctx.batches),
      settings,
      tasks: opts.tasks,
      signal: anySignal(job.ctx.signal, opts.stop),
      gate: opts.gate,
      onEpoch: opts.onEpoch,
      onStep: opts.onStep,
    });
    const training = trainingSummary(result, settings);
    // A hard abort (not a stop) ends the job like every other recovery.
    if (job.ctx.signal?.aborted) return;
    const dims = new Map(job.model.graph!.initializer.map((t) => [t.name, tensorDims(t)]));
    const trained = [...result.params].map(([name, data]) => ({ name, dims: dims.get(name)!, data }));
    yield {
      node: `${result.parameters.length} parameters (best epoch ${result.bestEpoch} of ${result.history.length - 1}${half ? '; trained in float32, written as float16' : ''})`,
      apply: () => editInitializers(job.model, trained),
      worse: 'distillation raised the calibration KL; the model before distillation is kept',
      training,
    };
  },
};

/** A signal that is aborted when either is (core has no AbortSignal.any). */
function anySignal(a?: AbortSignalLike, b?: AbortSignalLike): AbortSignalLike | undefined {
  if (!a || !b) return a ?? b;
  return { get aborted() { return a.aborted || b.aborted; }, get reason() { return a.aborted ? a.reason : b.reason; } };
}
