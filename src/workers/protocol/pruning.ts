import type { PreprocessSpec as CorePreprocessSpec } from '../../core/images/preprocess';
import type { RecoveryMethod } from '../../core/recover/registry';
import type { CriterionId } from '../../core/score/criteria/registry';
import type { Criterion } from '../../core/score/criteria/types';
import type { ChannelGroup } from '../../core/graph/channels/types';
import type { AgreementSummary } from '../../core/metrics/agreement';
import type { ModelMetrics } from '../../core/metrics/model-metrics';
import type { Quality } from '../../core/score/metric';
import type { TaskBudgetOutcome } from '../../core/prune/allocate';
import type { LayerMacs } from '../../core/metrics/plan-cost';
import type { OutputMetricsSummary } from '../../core/metrics/dense-metrics';
import type { SensitivityCurve, SensitivityResult as CoreSensitivityResult } from '../../core/score/sensitivity';
import type { GateHistogram, GatesResult } from '../../core/train/gates';
import type { LiveGates } from '../../core/train/gates-live';
import type { CompressSpec } from './compress';

// Pruning (studio worker): dependency groups, channel scores, plans, validation, export.
// Requests carry the plan as ratios (group id → fraction removed) + roundTo; the worker plans.

/** A set of layers whose channels must be pruned together (core/graph/channels), as the UI sees it. */
export interface GroupSummary extends Pick<ChannelGroup, 'id' | 'channels' | 'prunable'> {
  /** Display name (the producing layer's name). */
  label: string;
  /** Node ids whose weights or inputs change when the group is pruned (for graph highlighting). */
  members: string[];
  /** Why the group cannot be pruned (a barrier: Reshape/Flatten into Gemm, graph output, ...). */
  reason?: string;
  /** Tensors carrying this group's channels, with the range they hold (the graph shows per-node counts). */
  tensors?: ChannelRange[];
  /** Channels removed together: head_dim for attention heads (the heatmap shows heads, the slider moves by heads); absent when 1. */
  unit?: number;
  /** An op normalises across these channels (LayerNorm over the embedding width): pruning changes the others' values. */
  channelStatistics?: boolean;
}

/** Channels [start, start + length) of a group carried by `tensor` (a Concat output holds several). */
export interface ChannelRange {
  tensor: string;
  start: number;
  length: number;
}

/**
 * A channel-importance criterion as offered in the switcher: core's registry entry without its `score`;
 * or "gates", the gate values a Learn-with-gates run learnt (offered once it has run).
 */
export type CriterionInfo = Pick<Criterion<CriterionId>, 'name' | 'description' | 'needsImages'> & { id: CriterionId | 'gates' };

/** An image sent to the worker: encoded bytes (PNG/JPEG), decoded there. Bytes are transferred. */
export interface ImageInput {
  name: string;
  bytes: ArrayBuffer;
  /** Class index when known (bundled samples, sub-folder names matched to the model's classes). */
  label?: number;
  /** Its segmentation label mask (NAME.mask.png picked beside it: 8-bit grayscale, value = class, 255 = ignore). */
  mask?: ArrayBuffer;
}

/** How images become the model's input tensor: core/images PreprocessSpec plus the preset it came from. */
export interface PreprocessSpec extends CorePreprocessSpec {
  /** Preset name ("unit", "grayscale-unit", "imagenet") or "custom". */
  preset: string;
}

export interface ScoreRequest {
  jobId: number;
  criterion: string;
  /**
   * A criterion that orders the channels within each group while `criterion` decides how many each
   * loses (core ScoreOptions.orderBy; the studio offers `reconstruction`). It holds for this model's
   * later plans until a score request says otherwise.
   */
  orderBy?: string;
  /** Images for data-based criteria (ignored by weight-only ones). */
  images?: ImageInput[];
  preprocess?: PreprocessSpec;
}

/** Per-group channel scores (higher = more important), group id → one value per channel. */
export interface GroupScores {
  criterion: string;
  /** The criterion that ordered channels within groups (ScoreRequest.orderBy), when one did. */
  orderedBy?: string;
  scores: Record<string, Float32Array>;
  /** Multi-output models, loss-driven criteria: output name → group id → that output's own scores (combined by max into `scores`). */
  perOutput?: Record<string, Record<string, Float32Array>>;
}

/** The plan as the UI holds it. */
export interface PlanInput {
  ratios: Record<string, number>;
  roundTo: number;
  /** Criterion ranking channels inside each group (which ones the ratio removes). */
  criterion: string;
}

/** Params, MACs and weight bytes of a model (core/metrics); `macs` is absent when unknown. */
export interface ModelCost extends Pick<ModelMetrics, 'params' | 'bytes'> {
  macs?: number;
}

export interface PlanCost {
  before: ModelCost;
  after: ModelCost;
  /** Group id → kept channel indices (what the heatmaps mark). */
  keep: Record<string, number[]>;
  /** The plan in the core JSON format ({format, version, groups}), ready to download. */
  planJson: string;
  /** MACs of each MAC layer (Conv, Gemm, MatMul …) after the plan, in graph order (the architecture chart). */
  layers?: LayerMacs[];
}

/** A MAC layer of the pruned model: its node id and per-sample MACs (absent when unknown). */
export type { LayerMacs };

export type GlobalMode = 'uniform' | 'global' | 'sensitivity';

export interface GlobalPlanRequest {
  mode: GlobalMode;
  /** uniform/global: fraction of channels to remove; sensitivity: fraction of MACs to remove. */
  target: number;
  /** Locked groups keep these ratios. */
  locked: Record<string, number>;
  roundTo: number;
  /** Ranks channels (global mode); sensitivity mode uses the worker's last sensitivity run. */
  criterion: string;
  /**
   * Sensitivity mode on a model with several outputs (PAGCP's task budgets): output name → the
   * largest drop its curves may predict, in its task's measure (SensitivityResult.outputs). A budget
   * that binds before the target ends the pruning there, without an error (budgetLimited).
   */
  budgets?: Record<string, number>;
}

/** A budgeted output after the allocation: the drop its curves predict, its budget and their measure. */
export type { TaskBudgetOutcome };

export interface GlobalPlanResult {
  /** Group id → ratio for every unlocked prunable group. */
  ratios: Record<string, number>;
  /** Sensitivity mode: the share of the MACs the plan keeps. */
  keptMacs?: number;
  /** With budgets: each budgeted output. */
  tasks?: Record<string, TaskBudgetOutcome>;
  /** With budgets: true when a budget, not the MACs target, stopped the pruning (the plan is within every budget). */
  budgetLimited?: boolean;
  /** When budgetLimited: the outputs whose budget refused the next step. */
  binding?: string[];
}

export interface SensitivityRequest {
  jobId: number;
  criterion: string;
  /** Ratios to try per group (e.g. 0.1 … 0.9). */
  ratios: number[];
  images: ImageInput[];
  preprocess: PreprocessSpec;
  /**
   * Recovery-aware curves: every (group, ratio) model is refitted by least squares on the same
   * images before it is measured (core sensitivityRecovery), so the allocation sees what pruning
   * costs once the refit has run. One refit per point: much slower.
   */
  recovery?: 'lsq';
}

/** core/score/sensitivity's result without what stays in the worker (costs, baseline). */
export interface SensitivityResult extends Pick<CoreSensitivityResult, 'ratios' | 'metric' | 'recovery'> {
  /** Group id → drop at each ratio (0 = no change, 1 = everything lost). */
  curves: Record<string, SensitivityCurve['drop']>;
  /** Models with several outputs: every output with its task and measure. */
  outputs?: CoreSensitivityResult['outputs'];
  /** Models with several outputs: group id → output name → drop at each ratio (in the output's measure). */
  perOutput?: Record<string, Record<string, number[]>>;
}

export type ValidationBackend = 'wasm' | 'webgpu';

export interface ValidateRequest {
  jobId: number;
  images: ImageInput[];
  preprocess: PreprocessSpec;
  backend: ValidationBackend;
  plan: PlanInput;
  /** Recovery applied to the pruned model before it is validated (as on export); default 'none'. */
  recovery?: RecoveryMethod;
  /** Settings of the distill recovery (defaults: core/train/distill.ts). */
  training?: TrainingRequest;
  /** Calibration images for recovery (required unless recovery is 'none'). */
  calibration?: ImageInput[];
  /** Low rank and/or sparsity applied after pruning and recovery (as on export). */
  compress?: CompressSpec;
}

/** Core's quality numbers (accuracy, agreement, KL) and agreement extras, plus timing. */
export interface ValidationMetrics extends Quality, Pick<AgreementSummary, 'top5Agreement' | 'cosine'> {
  latencyMs: number;
  speedup: number;
}

export interface ImagePrediction {
  name: string;
  label?: number;
  original: number;
  pruned: number;
}

export interface ValidationReport {
  original: Pick<Quality, 'accuracy'> & { latencyMs: number };
  pruned: ValidationMetrics;
  perImage: ImagePrediction[];
  /** Backend actually used, and why it differs from the one asked for (or runs fewer threads than it could). */
  backend: string;
  fallbackReason?: string;
  /** WASM threads the sessions ran with (absent on WebGPU). */
  threads?: number;
  /** Recovery applied to the pruned model ('none' when it was validated as sliced). */
  recovery?: RecoveryMethod;
  /** What recovery did, when it ran. */
  recoveryNote?: string;
  /** What low rank / sparsity did, when asked ("low rank: 9 layers …; 2:4 sparsity: 50.0 % of 11 layers"). */
  compressNote?: string;
  /** Every graph output with its task kind and that task's measures of the pruned model (core/metrics/dense-metrics.ts). */
  outputs?: OutputMetricsSummary[];
  /**
   * With label masks: the unpruned model's measures against them, on the images that have one (the
   * pruned model's `outputs` are against the masks too there, and against the unpruned masks elsewhere).
   */
  originalOutputs?: OutputMetricsSummary[];
}

export interface PreviewRequest {
  image: ImageInput;
  preprocess: PreprocessSpec;
}

/** What the model sees, drawn back as RGBA (de-normalised), plus the tensor's range. */
export interface PreviewImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
  min: number;
  max: number;
}

/** The ids of core/recover/registry.ts (one file per method). */
export type { RecoveryMethod };

/** What the studio lets a user set for distillation; the rest is the recipe of docs/training.md. */
export interface TrainingRequest {
  epochs: number;
  lr: number;
  /** Where training runs (the Validate tab's choice; default WASM): WebGPU falls back to WASM, with the reason, when no adapter exists. */
  backend?: ValidationBackend;
  /** Refit by least squares before training, as `--recover lsq,distill` (default true); false is `--recover distill`. */
  leastSquaresFirst?: boolean;
}

/** Learn with gates (GDP, core/train/gates.ts, as `prune --criterion gates`): the plan is trained, not ranked. */
export interface GatesRequest {
  jobId: number;
  /** Fraction of the unpruned model's MACs to keep, in (0, 1). */
  keepMacs: number;
  /** Epochs of the whole run (gates, then the fine-tuning share) and the peak learning rate. */
  epochs: number;
  lr: number;
  /** Unlabelled training images (bundled and/or the user's), transferred. */
  images: ImageInput[];
  preprocess: PreprocessSpec;
  /** Where the gates train (the Validate tab's choice; default WASM), as distillation's TrainingRequest. */
  backend?: ValidationBackend;
}

/** The live gates after a step (core/train/gates-live.ts), plus the MACs the kept channels would leave. */
export interface GatesLiveEvent extends Pick<LiveGates, 'kept' | 'keptChannels' | 'totalChannels'> {
  step: number;
  total: number;
  histogram: GateHistogram;
  /** MACs with only the kept channels / MACs of the model (absent when the plan cannot be costed). */
  macsKept?: number;
}

/** What a Learn-with-gates run produced: an ordinary plan (criterion "gates") and how the gates ended. */
export interface GatesOutcome extends Pick<GatesResult, 'histogram' | 'histogramBeforeForcing' | 'macs' | 'skipped' | 'note'> {
  /** The learnt plan as studio ratios (roundTo 1, criterion "gates"): it selects exactly the learnt model. */
  plan: PlanInput;
  /** How training ended ('done', or 'cancelled' when stopped: the best gates so far were used). */
  stoppedBy: GatesResult['training']['stoppedBy'];
  /** One line for the panel and the validation's recovery note. */
  summary: string;
}

export interface ExportRequest {
  jobId: number;
  plan: PlanInput;
  recovery: RecoveryMethod;
  training?: TrainingRequest;
  /** Calibration images for recovery (required unless recovery is 'none'). */
  calibration?: ImageInput[];
  preprocess?: PreprocessSpec;
  /** Write the exported model in fp16 (core/convert/fp16.ts), after recovery; inputs/outputs stay fp32. */
  fp16?: boolean;
  /** Low rank and/or sparsity applied after pruning and recovery. */
  compress?: CompressSpec;
}

export interface ExportResult {
  /** The pruned .onnx, transferred. */
  bytes: ArrayBuffer;
  planJson: string;
  after: ModelCost;
  /** What recovery did ("bias on 256 images: calibration KL 0.31 → 0.12"), when it ran. */
  recoveryNote?: string;
  /** What the fp16 conversion did ("8 Resize kept in fp32; 2 tensors clamped to ±65504: …"), when asked. */
  fp16Note?: string;
  /** What low rank / sparsity did, when asked. */
  compressNote?: string;
}

/** One point of the Trade-offs sweep: validated like the Validate tab, on a plan made for a MACs target. */
export interface SweepPointRequest extends Omit<ValidateRequest, 'plan'> {
  /** Fraction of the unpruned model's MACs to keep, in (0, 1). */
  keepMacs: number;
  allocation: GlobalMode;
  /** Ranks channels (a data criterion not scored yet: L2 stands in; sensitivity: the curves' criterion). */
  criterion: string;
  roundTo: number;
}

export interface SweepPointResult {
  /** The studio plan of the point (what a click on it loads); `criterion` is the one that ranked. */
  plan: PlanInput;
  /** MACs after / MACs before of that plan. */
  macsKept: number;
  /** False when even the most pruned plan of the allocation stays above the target. */
  met: boolean;
  params: number;
  report: Omit<ValidationReport, 'perImage'>;
  /** Worker time of the point (planning, pruning, recovery, validation). */
  seconds: number;
}
