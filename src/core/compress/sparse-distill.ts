// Sparse fine-tuning (DiSparse trains its sparse multi-task networks after pruning): distil the
// sparsified model from the dense original with the shared training loop, every zeroed weight held
// at exactly zero — its gradient is dropped before each step and the weight is zeroed again after
// it, so the pattern (unstructured or N:M) and the file's zipped size survive training.
import type { ModelProto } from '../onnx/proto.js';
import type { ImageBatch } from '../score/images.js';
import type { TaskKind } from '../score/loss-task.js';
import type { AbortSignalLike, ModelRunner } from '../score/runner.js';
import { distill, DEFAULT_DISTILL_SETTINGS, type DistillResult, type DistillSettings } from '../train/distill.js';
import { trainingImages } from '../train/images.js';
import type { EpochReport, TrainTerm } from '../train/trainer.js';

/** A training term that keeps the masked-out weights (mask 0) at zero; it adds no loss. */
export function keepZerosTerm(masks: ReadonlyMap<string, Uint8Array>): TrainTerm {
  const zero = (values: ReadonlyMap<string, Float32Array>) => {
    for (const [name, keep] of masks) {
      const v = values.get(name);
      if (!v) continue;
      for (let i = 0; i < keep.length; i++) if (!keep[i]) v[i] = 0;
    }
  };
  return {
    gradient(_values, grads) {
      zero(grads);
      return 0;
    },
    afterStep: (values) => zero(values),
  };
}

export interface SparseDistillJob {
  runner: ModelRunner;
  /** The dense model (teacher). */
  original: ModelProto;
  /** The sparsified model (student; not modified) and its keep masks by weight name. */
  sparse: ModelProto;
  masks: ReadonlyMap<string, Uint8Array>;
  batches: readonly ImageBatch[];
  settings?: Partial<DistillSettings>;
  tasks?: Readonly<Record<string, TaskKind>>;
  signal?: AbortSignalLike;
  onEpoch?: (report: EpochReport) => void;
}

/** The sparse model distilled with its zeros kept (a new model), and the training run. */
export async function distillSparse(job: SparseDistillJob): Promise<{ model: ModelProto; result: DistillResult; settings: DistillSettings }> {
  const settings: DistillSettings = { ...DEFAULT_DISTILL_SETTINGS, ...job.settings };
  const result = await distill({
    runner: job.runner, teacher: job.original, student: job.sparse, images: trainingImages(job.batches), settings, tasks: job.tasks,
    term: keepZerosTerm(job.masks), signal: job.signal, onEpoch: job.onEpoch,
  });
  return { model: result.model, result, settings };
}
