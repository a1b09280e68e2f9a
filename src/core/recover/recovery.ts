// What a training-free recovery method is. Each method lives in its own file and is listed once in
// registry.ts. A method proposes one layer change at a time; recoverPruned (recover.ts) applies it,
// measures the calibration loss and undoes it when the loss got worse: the never-worse guarantee
// is kept in that one place, for every method.
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import type { ModelProto } from '../onnx/proto.js';
import type { PrunePlan } from '../prune/plan.js';
import type { RecoveryContext } from './common.js';
import type { LsqOptions } from './lsq.js';
import type { DistillRecoveryOptions, TrainingSummary } from './distill.js';

/** Everything a method may read; `model` is the private copy it edits. */
export interface RecoveryJob {
  original: ModelProto;
  analysis: ChannelAnalysis;
  plan: PrunePlan;
  model: ModelProto;
  ctx: RecoveryContext;
  lsq?: LsqOptions;
  distill?: DistillRecoveryOptions;
  onProgress?: (done: number, total: number) => void;
}

/**
 * One layer's proposal: either a reason it was skipped, or `apply`, which edits `job.model` in place
 * and returns the function that restores it exactly. A method resumes after the guard has decided,
 * so every proposal sees the layers before it as they were kept.
 */
export type RecoveryStep =
  | { node: string; skipped: string }
  | { node: string; apply: () => () => void; /** Said when the change is undone. */ worse: string; /** A training method's run. */ training?: TrainingSummary };

export interface Recovery<Id extends string = string> {
  readonly id: Id;
  /** Short name for result tables and notes. */
  readonly name: string;
  /** One line for the pickers: what it does to the pruned model. */
  readonly description: string;
  /**
   * Trains toward the unpruned model's outputs (distillation): in gradual pruning its `original` is
   * the unpruned model, where the training-free methods refit to the model the step's cut was made on.
   */
  readonly trains?: boolean;
  run(job: RecoveryJob): AsyncIterable<RecoveryStep>;
}
