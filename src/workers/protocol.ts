// THE typed protocol between the page and its workers (studio.worker.ts, layout.worker.ts).
// Every message that crosses a worker boundary is typed here; nothing else defines wire shapes.
//
// Conventions for every long call (add new calls the same way):
//   - its first argument is a request object carrying `jobId` (cancel it with `cancel(jobId)`);
//     ArrayBuffers inside the request are transferred, never copied (Comlink.transfer);
//   - its second argument is an optional progress callback, passed wrapped in Comlink.proxy;
//   - it resolves to a WorkerResult: errors come back as data ({code, message, hint}), never as
//     thrown Error objects (which lose their fields in postMessage).
// Tensors never cross to the UI: the page holds ids, ratios and view state only.
import type { PreprocessSpec as CorePreprocessSpec } from '../core/images/preprocess';
import type { RecoveryMethod } from '../core/recover/registry';
import type { CriterionId } from '../core/score/criteria/registry';
import type { Criterion } from '../core/score/criteria/types';
import type { OpFamily } from '../core/graph/op-traits';
// Shapes that are core's own (costs, quality numbers, shape info, groups) are derived from core's
// types here (type imports: nothing of core reaches the page through them), not restated.
import type { ChannelGroup } from '../core/graph/channels/types';
import type { Dim, ShapeResult, TensorInfo } from '../core/graph/shapes';
import type { AgreementSummary } from '../core/metrics/agreement';
import type { ModelMetrics } from '../core/metrics/model-metrics';
import type { Quality } from '../core/score/metric';
import type { TaskBudgetOutcome } from '../core/prune/allocate';
import type { LayerMacs } from '../core/metrics/plan-cost';
import type { TaskKind } from '../core/score/loss-task';
import type { OutputMetricsSummary } from '../core/metrics/dense-metrics';
import type { SensitivityCurve, SensitivityResult as CoreSensitivityResult } from '../core/score/sensitivity';
import type { GateHistogram, GatesResult } from '../core/train/gates';
import type { LiveGates } from '../core/train/gates-live';
import type { LowRankCandidate } from '../core/compress/lowrank-layers';
import type { RankTarget } from '../core/compress/lowrank-rank';
import type { SparsifiedLayer, SparsifyOptions } from '../core/compress/sparsify';

export type { Dim };

/** Where a long job stands. `fraction` is 0..1 for the whole job. */
export interface Progress {
  stage: string;
  fraction: number;
  /** Human text for the progress bar ("Decoding resnet50.onnx"). */
  message: string;
  /** A training job's numbers for the live curve (distillation), beside the text. */
  training?: TrainingEvent;
  /** A Learn-with-gates job's live gates (histogram, kept channels), beside the curve's events. */
  gates?: GatesLiveEvent;
}

/**
 * What a training job reports as it goes: small numbers only. `start` once (what trains, where),
 * `step` after every optimizer step (mean loss per image of that batch), `epoch` after every
 * held-out check (epoch 0 is the start), `paused`/`resumed` when the gate closes or opens.
 */
export type TrainingEvent =
  | { kind: 'start'; epochs: number; images: number; backend: string }
  | { kind: 'step'; step: number; total: number; loss: number }
  | { kind: 'epoch'; epoch: number; trainLoss?: number; heldOutLoss: number; heldOutAgreement?: number; best: boolean; seconds: number }
  | { kind: 'paused' | 'resumed'; step: number };

/** Pause, resume or stop (keeping the best model so far) the training inside job `target`. */
export interface TrainingControlRequest {
  jobId: number;
  /** The job that trains (a validation or an export). */
  target: number;
  action: 'pause' | 'resume' | 'stop';
}

/** Receives progress; wrap in Comlink.proxy when passing to a worker. */
export type ProgressCallback = (progress: Progress) => void;

/** Machine-readable error codes; the UI chooses wording and actions by code. */
export type StudioErrorCode =
  | 'bad-model' // not ONNX, corrupt, unsupported structure (OnnxFormatError)
  | 'missing-external-data' // the model keeps weights in a side file that was not provided
  | 'no-model' // a call needs a loaded model and none is loaded
  | 'aborted' // the job was cancelled
  | 'worker-crashed' // the worker died (out of memory, ...) and was restarted
  | 'refused' // the engine refused to go on: a broken pruned model (post-surgery check) or NaN/Inf scores
  | 'internal'; // a bug: message says what failed

/** An error as it crosses the worker boundary: what is wrong and what the user can do. */
export interface StudioErrorData {
  code: StudioErrorCode;
  message: string;
  hint: string;
}

/** Every worker call resolves to this; the client wrappers turn `ok: false` into a thrown StudioError. */
export type WorkerResult<T> = { ok: true; value: T } | { ok: false; error: StudioErrorData };

// ---------------------------------------------------------------------------------------------
// Studio worker: owns the decoded model.

/** A side file holding tensor payloads (ONNX external data), keyed by the name the model uses. */
export interface ExternalDataFile {
  /** File name as referenced by the model's `location` entries (e.g. "model.onnx.data"). */
  name: string;
  bytes: ArrayBuffer;
}

export interface LoadModelRequest {
  jobId: number;
  /** The .onnx bytes; transferred to the worker (the caller's buffer becomes detached). */
  bytes: ArrayBuffer;
  fileName: string;
  externalData?: ExternalDataFile[];
}

/** Colour/legend family of an operator (defined with the operator table in core). */
export type { OpFamily };

export interface AttributeSummary {
  name: string;
  /** Display text ("[3, 3]", "0.1", "float32 tensor [64]"). */
  value: string;
}

/** One graph node as the UI sees it. */
export interface NodeSummary {
  /** Stable id (GraphIR.nodeId): the node name, or `<op>_<index>` when unnamed. */
  id: string;
  /** Position in the file's (topological) order. */
  index: number;
  name: string;
  opType: string;
  domain: string;
  family: OpFamily;
  /** Input tensor names (data and weights, in ONNX order; "" for omitted optional inputs). */
  inputs: string[];
  outputs: string[];
  attributes: AttributeSummary[];
  /** Elements in the node's constant inputs (weights, biases, BN statistics). */
  params: number;
  /** Multiply-accumulates for one input sample; undefined when shapes are unknown or the op is not counted. */
  macs?: number;
}

/** A data edge between two displayed nodes; graph inputs/outputs use ids `input:<name>` / `output:<name>`. */
export interface EdgeSummary {
  from: string;
  to: string;
  tensor: string;
}

export interface TensorSummary extends Pick<TensorInfo, 'shape' | 'dataType'> {
  /** True for weights (initializers and Constant outputs). */
  constant?: boolean;
}

export interface GraphPort {
  /** Display id of the pseudo-node: `input:<name>` or `output:<name>`. */
  id: string;
  name: string;
  shape?: Dim[];
  dataType?: number;
}

/** Everything the UI needs to draw and describe a model; no tensor payloads. */
export interface ModelSummary {
  fileName: string;
  /** SHA-256 of the .onnx bytes (hex): the key for per-model state such as the saved plan. */
  modelHash: string;
  fileBytes: number;
  graphName: string;
  producer: string;
  irVersion: number;
  /** "ai.onnx 13, ai.onnx.ml 2". */
  opsets: string;
  inputs: GraphPort[];
  outputs: GraphPort[];
  nodes: NodeSummary[];
  edges: EdgeSummary[];
  /** Tensor name → shape and type, for every tensor (activations and weights). */
  tensors: Record<string, TensorSummary>;
  /** Params and per-sample MACs (core/metrics); `macsLowerBound` when some node's MACs are unknown. */
  totals: { params: number; macs?: number; macsLowerBound?: boolean };
  /** Nodes whose output shapes could not be inferred, with the reason. */
  unknownShapes: ShapeResult['unknownNodes'];
  /** External data files the model referenced (already attached when present). */
  externalDataFiles: string[];
  /** Every graph output with its task kind as detected (core/score/loss-task.ts). */
  outputTasks?: OutputTask[];
  /** The first input's size the shapes and MACs were inferred at, when the user gave one (dynamic H/W). */
  inputSize?: number[];
}

/** A graph output and the task (hence loss and measures) it is scored and validated with. */
export interface OutputTask {
  name: string;
  /** The kind in use: the override when there is one, else the detected kind. */
  kind: TaskKind;
  detected: TaskKind;
}

/** The studio worker's API, exposed with Comlink. Long calls follow the conventions above. */
export interface StudioWorkerApi {
  /** Decodes, indexes and summarises a model; it replaces the current model only on success. */
  loadModel(request: LoadModelRequest, onProgress?: ProgressCallback): Promise<WorkerResult<ModelSummary>>;
  /** Asks a running job to stop at its next checkpoint; its call then resolves to code 'aborted'. */
  cancel(jobId: number): void;
  /** Fixes the WASM thread count of this worker's sessions (sent at spawn, before any session opens). */
  setWasmThreads(threads: number): void;

  // Pruning panels (implemented in ./studio/{groups,scores,plan,sensitivity,validate,export}.ts).
  /** Channel dependency groups of the loaded model (prunable ones and barriers with reasons). */
  listGroups(request: { jobId: number }): Promise<WorkerResult<GroupSummary[]>>;
  /** Criteria the switcher offers, with their one-line explanations. */
  listCriteria(request: { jobId: number }): Promise<WorkerResult<CriterionInfo[]>>;
  scoreGroups(request: ScoreRequest, onProgress?: ProgressCallback): Promise<WorkerResult<GroupScores>>;
  /** Params/MACs/bytes before → after and the kept channels, for the live read-out. */
  planCost(request: PlanInput & { jobId: number }): Promise<WorkerResult<PlanCost>>;
  /** Ratios for every unlocked prunable group from the global control. */
  globalPlan(request: GlobalPlanRequest & { jobId: number }): Promise<WorkerResult<GlobalPlanResult>>;
  sensitivity(request: SensitivityRequest, onProgress?: ProgressCallback): Promise<WorkerResult<SensitivityResult>>;
  /** The preprocessing inferred from the model (input shape, card) and the presets to choose from. */
  preprocessDefaults(request: { jobId: number }): Promise<WorkerResult<{ inferred: PreprocessSpec; presets: PreprocessSpec[] }>>;
  previewPreprocess(request: PreviewRequest & { jobId: number }): Promise<WorkerResult<PreviewImage>>;
  validate(request: ValidateRequest, onProgress?: ProgressCallback): Promise<WorkerResult<ValidationReport>>;
  exportPruned(request: ExportRequest, onProgress?: ProgressCallback): Promise<WorkerResult<ExportResult>>;
  /** One point of the Trade-offs sweep: plan a MACs target, cost it, validate it (./studio/tradeoffs.ts). */
  sweepPoint(request: SweepPointRequest, onProgress?: ProgressCallback): Promise<WorkerResult<SweepPointResult>>;
  /** Learns the plan with GDP gates toward a MACs target (./studio/gates.ts); Validate and Export then use the learnt model. */
  learnGates(request: GatesRequest, onProgress?: ProgressCallback): Promise<WorkerResult<GatesOutcome>>;
  /** Pauses, resumes or stops a job's training; false when that job is not training (any more). */
  controlTraining(request: TrainingControlRequest): Promise<WorkerResult<boolean>>;
  /**
   * Overrides task kinds of the loaded model's outputs (output name → kind; others stay detected).
   * Later scoring (Taylor/oracle), plans, sensitivity and validation use them; cached scores are dropped.
   */
  setOutputTasks(request: { jobId: number; overrides: Record<string, TaskKind> }): Promise<WorkerResult<OutputTask[]>>;
  /** Re-infers shapes and MACs with the first input at `shape` (undefined: as declared); the new summary. */
  setInputSize(request: { jobId: number; shape?: number[] }): Promise<WorkerResult<ModelSummary>>;
  /** Singular values of every factorisable layer of the loaded model (./studio/compress.ts). */
  layerSpectra(request: SpectraRequest, onProgress?: ProgressCallback): Promise<WorkerResult<SpectraResult>>;
  /** Layer id → rank for a global energy or MACs target (core's rank allocation over the spectra). */
  rankTarget(request: RankTargetRequest): Promise<WorkerResult<Record<string, number>>>;
  /** The loaded model sparsified as asked: zeros per layer and per output channel. */
  sparsityMap(request: SparsityRequest, onProgress?: ProgressCallback): Promise<WorkerResult<SparsityMap>>;
  /** The plan JSON to download: version 2 with the ranks applied and the sparsity when `compress` is given. */
  planJson(request: PlanJsonRequest): Promise<WorkerResult<string>>;
}

// ---------------------------------------------------------------------------------------------
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
  /** Images for data-based criteria (ignored by weight-only ones). */
  images?: ImageInput[];
  preprocess?: PreprocessSpec;
}

/** Per-group channel scores (higher = more important), group id → one value per channel. */
export interface GroupScores {
  criterion: string;
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

// ---------------------------------------------------------------------------------------------
// Compression beyond channels (studio worker, ./studio/compress.ts): low-rank factorisation and
// sparsity, both core's (core/compress). The page holds ranks and settings; factors stay here.

/** A factorisable layer (core/compress/lowrank-layers.ts) and its singular values, descending. */
export interface LayerSpectrumInfo extends Pick<LowRankCandidate, 'id' | 'op' | 'out' | 'in' | 'kernel' | 'macs' | 'macsPerRank' | 'breakEven'> {
  sigma: number[];
}

/**
 * Calibration images for data-aware low rank, Taylor sparsity and the least-squares refits (the
 * worker preprocesses them as given and uses at most RECOVERY_IMAGES of them).
 */
export interface CompressCalibration {
  images: ImageInput[];
  preprocess: PreprocessSpec;
}

/** Rank tab: plain singular values, or (dataAware, with images) those of W·L, whitened by each layer's input covariance. */
export interface SpectraRequest {
  jobId: number;
  dataAware?: boolean;
  calibration?: CompressCalibration;
}

export interface SpectraResult {
  /** Whether the σ are whitened (data-aware); layers over the whitening limit keep plain σ and are in `notWhitened`. */
  dataAware?: boolean;
  notWhitened?: { node: string; reason: string }[];
  layers: LayerSpectrumInfo[];
  /** Layers of a factorisable op type that cannot be factorised, with why. */
  skipped: { node: string; reason: string }[];
  /** Per-sample MACs of the loaded model. */
  modelMacs: number;
}

export interface RankTargetRequest extends SpectraRequest {
  target: Exclude<RankTarget, { kind: 'ranks' }>;
}

/** Sparsity as the studio sets it: core's options with the pattern as text ("unstructured", "2:4", "4:8"). */
export interface SparsitySettings extends Pick<SparsifyOptions, 'sparsity'> {
  pattern: string;
  scope: NonNullable<SparsifyOptions['scope']>;
  /** Weight importance: |w| (default), or Taylor on the calibration images (recorded in the plan). */
  criterion?: 'magnitude' | 'taylor';
  /** Refit the kept weights by least squares on the calibration images (not recorded in the plan). */
  refit?: boolean;
}

export interface SparsityRequest extends SparsitySettings {
  jobId: number;
  /** Needed by criterion "taylor" and refit. */
  calibration?: CompressCalibration;
}

/** A sparsified layer and the share of zeros in each of its output channels. */
export interface SparsityLayerInfo extends Omit<SparsifiedLayer, 'weight'> {
  perOutput: number[];
}

export interface SparsityMap {
  layers: SparsityLayerInfo[];
  /** Layers of these op types left dense, with why (e.g. an input width that is not a multiple of M). */
  dense: { node: string; reason: string }[];
  /** Zeros over all eligible weights. */
  sparsity: number;
  /** With refit: each refit layer's relative output error² before → after, and the layers left as sparsified, with why. */
  refits?: { node: string; errorBefore: number; errorAfter: number; applied: boolean }[];
  notRefit?: { node: string; reason: string }[];
}

/** What validation and export apply after pruning and recovery: ranks per layer id, then sparsity. */
export interface CompressSpec {
  ranks?: Record<string, number>;
  /** Whiten each layer's SVD by its input covariance (not recorded in the plan: `prune --plan` uses plain SVD). */
  dataAware?: boolean;
  /** Refit the second factors and biases by least squares (not recorded in the plan). */
  refitFactors?: boolean;
  sparsity?: SparsitySettings;
  /** The images data-aware low rank, Taylor and the refits run on. */
  calibration?: CompressCalibration;
}

/** The plan file for a plan and the Rank/Sparsity tabs' choices (docs/plan-format.md, version 2 when compressed). */
export interface PlanJsonRequest extends PlanInput {
  jobId: number;
  compress?: CompressSpec;
}

// ---------------------------------------------------------------------------------------------
// Layout worker: positions for the graph view (dagre, rankdir TB).

export interface LayoutNodeInput {
  id: string;
  opType: string;
  family: OpFamily;
  /** Label drawn in the box (op type, or the collapsed chain). */
  label: string;
  /** Single-data-input op that keeps the channel count (Relu, BatchNormalization, ...). */
  channelTransparent: boolean;
}

export interface LayoutRequest {
  jobId: number;
  nodes: LayoutNodeInput[];
  edges: EdgeSummary[];
  /** Collapse chains of channel-transparent ops into their producer and hide weight-only nodes. */
  compact: boolean;
}

export interface Point {
  x: number;
  y: number;
}

export interface LayoutNode {
  /** Id of the displayed node (the chain head when collapsed). */
  id: string;
  /** Centre of the box. */
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
  family: OpFamily;
  /** Ids folded into this box in compact mode, head first (just [id] otherwise). */
  members: string[];
}

export interface LayoutEdge {
  from: string;
  to: string;
  tensor: string;
  points: Point[];
  /** A long edge implied by another path, drawn as an arc beside the graph (not routed by dagre). */
  detour?: boolean;
}

export interface LayoutResult {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  width: number;
  height: number;
  /** Original node id → id of the box that shows it (identity unless compacted or hidden). */
  displayOf: Record<string, string>;
  /** Wall time of the dagre run in the worker, for the status line and benchmarks. */
  layoutMs: number;
}

/** The layout worker's API, exposed with Comlink. */
export interface LayoutWorkerApi {
  layout(request: LayoutRequest): Promise<WorkerResult<LayoutResult>>;
}
