import type { OpFamily } from '../../core/graph/op-traits';
import type { Dim, ShapeResult, TensorInfo } from '../../core/graph/shapes';
import type { TaskKind } from '../../core/score/loss-task';
import type { CriterionInfo, ExportRequest, ExportResult, GatesOutcome, GatesRequest, GlobalPlanRequest, GlobalPlanResult, GroupScores, GroupSummary, PlanCost, PlanInput, PreprocessSpec, PreviewImage, PreviewRequest, ScoreRequest, SensitivityRequest, SensitivityResult, SweepPointRequest, SweepPointResult, ValidateRequest, ValidationReport } from './pruning';
import type { PlanJsonRequest, RankTargetRequest, SparsityMap, SparsityRequest, SpectraRequest, SpectraResult } from './compress';
import type { ProgressCallback, TrainingControlRequest, WorkerResult } from './index';

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
