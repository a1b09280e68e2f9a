// GDP (Guo et al., "GDP: Stabilized Neural Network Pruning via Gates with Differentiable
// Polarization", ICCV 2021): learn which channels go. Gates are inserted in a training copy of the
// model only (gates-graph.ts), trained with the weights by distillation from the unpruned model on
// unlabelled images (distill.ts, the shared loop of trainer.ts) plus the polarisation regulariser
// with its MACs-driven strength (gates-polarize.ts). At the end, the channels whose gates are exactly
// 0 are removed with the ordinary surgery (a plan with criterion "gates") and the other gates are
// folded into the layers that read them, so the pruned model computes what the gated one did (a
// check on a few images confirms it). Then, as the one-shot path does, the layers reading the removed
// channels are refit by least squares and the pruned model is distilled for the last `fineTune`
// share of the epochs; with `rewind`, that recovery starts from the unpruned weights without the
// removed channels instead of the folded ones (the gates only choose).
import { analyseChannels, type ChannelAnalysis } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import type { ModelProto } from '../onnx/proto.js';
import { tensorDims } from '../onnx/tensor.js';
import { applyPlan } from '../prune/apply.js';
import { planCosting } from '../prune/plan-costing.js';
import type { PrunePlan } from '../prune/plan.js';
import type { TaskKind } from '../score/loss-task.js';
import { withModel, type AbortSignalLike, type Float32Tensor, type ModelRunner } from '../score/runner.js';
import { DEFAULT_DISTILL_SETTINGS, distill, requireBatchedInput, type DistillResult, type DistillSettings } from './distill.js';
import { buildGatedModel, EPSILON_INPUT, foldGates, gatedTrainable, type GatedModel } from './gates-graph.js';
import { createPolarizer, DEFAULT_POLARIZE_SETTINGS, planRemoving, selectForBudget, type Polarizer, type PolarizeSettings, type Removed } from './gates-polarize.js';
import { viewBatch, NO_AUGMENTATION, type TrainingImages } from './images.js';
import { withParameters } from './parameter-inputs.js';
import type { EpochReport, TrainTerm } from './trainer.js';
import { scheduleInfo } from './schedule.js';
import { scoreGroups } from '../score/criteria.js';
import { recoverPruned } from '../recover/recover.js';
import type { ImageBatch } from '../score/images.js';
import type { OptimizerId } from './optimizer.js';

export interface GatesPhases {
  /**
   * Share of the epochs (rounded down) spent distilling the pruned model after the removal, with
   * the distill recovery's own schedule: the gates phase decides the channels, this one recovers.
   */
  fineTune: number;
  /** Peak learning rate of that distillation (the gates phase uses `lr`). */
  fineTuneLr: number;
  /** Its optimizer (the gates phase uses `optimizer`). */
  fineTuneOptimizer: OptimizerId;
  /** Images the Taylor importance of the channels is computed on before training (0: MACs only). */
  importanceImages: number;
  /**
   * Images for a least-squares refit of the layers reading the removed channels, right after the
   * removal (the one-shot path's `lsq` recovery, never worse on them): the channels that closed in the
   * last steps leave a gap the few remaining steps could not train away. 0: none.
   */
  refitImages: number;
  /**
   * Rewinding (Renda et al. 2020): the fine-tuning starts from the UNPRUNED weights with the channels
   * the gates removed, not from the weights the gates phase moved (the gates choose, the distillation
   * recovers). The gated model and its folding are still built and checked.
   */
  rewind: boolean;
}

export type GatesSettings = DistillSettings & PolarizeSettings & GatesPhases;

/**
 * SGD at lr 3e-3 (the distill recovery's 1e-3 for one phase alone): the weights must absorb the
 * channels as they close; the polarisation's strength schedule was tuned with SGD's steps (measured
 * in docs/training.md), so the gates keep it when the distill recovery moved to AdamW.
 */
export const DEFAULT_GATES_SETTINGS: Readonly<Omit<GatesSettings, 'keep'>> = { ...DEFAULT_DISTILL_SETTINGS, optimizer: 'sgd', lr: 3e-3, ...DEFAULT_POLARIZE_SETTINGS, fineTune: 0.3, fineTuneLr: 3e-3, fineTuneOptimizer: 'sgd', importanceImages: 256, refitImages: 512, rewind: false };

export interface GatesJob {
  runner: ModelRunner;
  /** Where the gates and the fine-tuning train (default: `runner`, which also scores, checks and refits). */
  trainingRunner?: ModelRunner;
  model: ModelProto;
  images: TrainingImages;
  settings: GatesSettings;
  /** The model's channel analysis (default: analysed here, without grouped convolutions). */
  analysis?: ChannelAnalysis;
  tasks?: Readonly<Record<string, TaskKind>>;
  signal?: AbortSignalLike;
  gate?: () => Promise<void>;
  /** Epochs are numbered across both phases (the fine-tuning continues the count). */
  onEpoch?: (report: EpochReport & { zeroGates: number; lambda: number; epsilon: number; phase: 'gates' | 'fine-tune' }) => void;
  onStep?: (step: number, total: number, loss: number) => void;
  /** After every step of the gates phase: the gate values by group id at the current ε (for a live view; gates-live.ts). */
  onGates?: (gates: Map<string, Float32Array>, step: number, total: number) => void;
}

export interface GateHistogram {
  /** Bin edges are i/bins … (i+1)/bins over [0, 1]; the last bin includes 1. */
  bins: number;
  counts: number[];
  /** Gates exactly 0. */
  zero: number;
  /** Share of the gates in (0.05, 0.95): undecided (GDP drives this towards 0). */
  undecided: number;
  total: number;
}

export interface GatesResult {
  /** The pruned model with the remaining gates folded in. */
  model: ModelProto;
  plan: PrunePlan;
  /** The trained gated model with its gates at their final values (θ = 0 for the removed channels), and the ε it runs at. */
  gated: { model: ModelProto; epsilon: number; info: GatedModel };
  /** Final gate values by group id (0 exactly for the removed channels). */
  gates: Map<string, Float32Array>;
  histogram: GateHistogram;
  /** The gates just before the budget was forced (the learnt polarisation; absent when the run ended before). */
  histogramBeforeForcing?: GateHistogram;
  macs: { base: number; target: number; kept: number; met: boolean };
  /** Largest |gated − pruned| over the outputs of a few images (the removal and folding are exact up to float rounding). */
  check: { images: number; maxDifference: number };
  training: Pick<DistillResult, 'history' | 'bestEpoch' | 'stoppedBy' | 'note' | 'seconds' | 'steps' | 'images'>;
  /** The distillation of the pruned model after the removal (absent when `fineTune` gives no epoch); `model` is its result. */
  fineTune?: GatesResult['training'];
  /** The pruned and folded model before the refit and fine-tuning (equal to `gated` at its final gates: `check`). */
  removed: ModelProto;
  skipped: GatedModel['skipped'];
  /** Set when the trained gates did not meet the budget themselves and the lowest were set to 0 at the end. */
  note?: string;
}

/** A histogram of gate values over [0, 1]. */
export function gateHistogram(gates: ReadonlyMap<string, Float32Array>, bins = 20): GateHistogram {
  const counts = new Array<number>(bins).fill(0);
  let zero = 0;
  let undecided = 0;
  let total = 0;
  for (const values of gates.values()) {
    for (const v of values) {
      counts[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]!++;
      if (v === 0) zero++;
      if (v > 0.05 && v < 0.95) undecided++;
      total++;
    }
  }
  return { bins, counts, zero, undecided: total ? undecided / total : 0, total };
}

/** Trains gates and weights, then prunes and folds; see the file comment. */
export async function learnGates(job: GatesJob): Promise<GatesResult> {
  const s = job.settings;
  if (!(s.keep > 0 && s.keep < 1)) throw new Error(`gates: the MACs target must keep a fraction in (0, 1), got ${s.keep}`);
  if (!(s.epsilonEnd > 0 && s.epsilonStart >= s.epsilonEnd)) throw new Error(`gates: ε must anneal from a larger to a smaller positive value (got ${s.epsilonStart} → ${s.epsilonEnd})`);
  const model = job.model;
  requireBatchedInput(model, job.images.input);
  const analysis = job.analysis ?? analyseChannels(buildGraph(model));
  if (!(s.gate0 > 0 && s.gate0 < 1)) throw new Error(`gates: the starting gate value must be in (0, 1), got ${s.gate0}`);
  const gated = buildGatedModel(model, analysis, { theta0: Math.sqrt((s.epsilonStart * s.gate0) / (1 - s.gate0)), epsilon0: s.epsilonStart });
  if (!gated.groups.length) {
    const why = gated.skipped.map((x) => `${x.group}: ${x.reason}`).join('; ');
    throw new Error(`gates: no channel group of this model can carry gates${why ? ` (${why})` : ' (no prunable groups)'}; use a one-shot criterion instead`);
  }
  const costing = planCosting(model, analysis);
  const base = costing.base.macs;
  if (!(base > 0)) throw new Error("gates: the model's MACs are unknown or 0, so no fraction of them can be targeted");
  const goal = base * s.keep;
  const weightDims = new Map(gated.model.graph!.initializer.map((t) => [t.name, tensorDims(t)]));
  const fineTuneEpochs = s.epochs > 1 ? Math.min(s.epochs - 1, Math.floor(s.fineTune * s.epochs)) : 0;
  const gateEpochs = s.epochs - fineTuneEpochs;
  const importance = await channelImportance(job, model, analysis);
  const polarizer = createPolarizer({ model, analysis, costing, groups: gated.groups, settings: s, lr: s.lr, rate: (t, n) => scheduleInfo(s.schedule).rate(t, n, s.lr), sites: gated.sites, weightDims, importance });
  const epsilonAt: number[] = [polarizer.epsilon];
  const thetaNames = new Set(gated.groups.map((g) => g.theta));
  const result = await distill({
    runner: job.trainingRunner ?? job.runner,
    teacher: model,
    student: gated.model,
    images: job.images,
    settings: { ...s, epochs: gateEpochs },
    parameters: gatedTrainable(gated),
    tasks: job.tasks,
    extraFeeds: () => ({ [EPSILON_INPUT]: { dims: [1], data: Float32Array.of(polarizer.epsilon) } }),
    term: job.onGates ? observed(polarizer, job.onGates) : polarizer,
    // θ always takes SGD's steps: the polariser scales its gradient so that a step moves θ by gateLr,
    // which an adaptive optimizer would undo. The weights use `optimizer`.
    optimizerOf: (name) => (thetaNames.has(name) ? 'sgd' : undefined),
    signal: job.signal,
    gate: job.gate,
    onStep: job.onStep,
    onEpoch: (e) => {
      epsilonAt[e.epoch] = polarizer.epsilon;
      const zeroGates = [...polarizer.dead.values()].reduce((n, d) => n + d.size, 0);
      job.onEpoch?.({ ...e, zeroGates, lambda: polarizer.lambda, epsilon: polarizer.epsilon, phase: 'gates' });
    },
  });

  // The kept parameters' gates, at the ε they were checked with; θ = 0 is a gate of exactly 0.
  const epsilon = epsilonAt[result.bestEpoch] ?? polarizer.epsilon;
  const values = new Map(result.params);
  const zeros: Removed = new Map(gated.groups.map((g) => [g.id, new Set([...values.get(g.theta)!].flatMap((t, c) => (t === 0 ? [c] : [])))]));
  let note: string | undefined;
  let macs = costing.of(planRemoving(model, analysis, zeros)).macs;
  if (macs > goal) {
    // Ended before the budget was met (stopped early, or too few steps): the lowest gates go to 0 now.
    const gatesNow = gateMap(gated, values, epsilon);
    const chosen = selectForBudget(model, analysis, costing, gated.groups, gatesNow, zeros, goal);
    let added = 0;
    for (const [id, set] of chosen.removed) for (const c of set) if (!zeros.get(id)!.has(c)) { zeros.get(id)!.add(c); added++; }
    macs = chosen.macs;
    note = `the trained gates met the MACs target (${((macs / base) * 100).toFixed(1)} % kept) only after ${added} more of the lowest gates were set to 0 at the end; train longer for gates that reach 0 themselves`;
  }
  for (const g of gated.groups) for (const c of zeros.get(g.id)!) values.get(g.theta)![c] = 0;
  const gates = gateMap(gated, values, epsilon);
  const trainedGated = withParameters(gated.model, values, new Map(gated.groups.map((g) => [g.theta, { dims: [g.channels], data: values.get(g.theta)! }])));
  const plan = planRemoving(model, analysis, zeros);
  const folded = foldGates(trainedGated, gated, gates);
  const pruned = applyPlan(folded, plan, analyseChannels(buildGraph(folded)));
  const check = await checkEqual(job.runner, trainedGated, pruned, job.images, epsilon);
  const zeroGates = [...zeros.values()].reduce((n, z) => n + z.size, 0);
  const proceed = !job.signal?.aborted && result.stoppedBy === 'done';
  // A stop (the user's cancel) still gets the refit: it is short and never worse on its images, and
  // the gates a stop leaves may have been set to 0 without training; only the fine-tuning is skipped.
  const stopped = result.stoppedBy === 'cancelled';
  const start = s.rewind ? applyPlan(model, plan, analysis) : pruned;
  const refit = (proceed || stopped) && s.refitImages > 0 && Object.keys(plan.groups).length
    ? (await recoverPruned(model, start, plan, 'lsq', { runner: job.runner, batches: firstImages(job, s.refitImages), signal: stopped ? undefined : job.signal }, analysis)).model
    : start;
  const tuned = fineTuneEpochs && proceed
    ? await distill({
      runner: job.trainingRunner ?? job.runner, teacher: model, student: refit, images: job.images, settings: { ...s, epochs: fineTuneEpochs, lr: s.fineTuneLr, optimizer: s.fineTuneOptimizer }, tasks: job.tasks, signal: job.signal, gate: job.gate, onStep: job.onStep,
      onEpoch: (e) => e.epoch && job.onEpoch?.({ ...e, epoch: gateEpochs + e.epoch, zeroGates, lambda: 0, epsilon, phase: 'fine-tune' }),
    })
    : undefined;
  const summary = (r: DistillResult): GatesResult['training'] => ({ history: r.history, bestEpoch: r.bestEpoch, stoppedBy: r.stoppedBy, note: r.note, seconds: r.seconds, steps: r.steps, images: r.images });
  return {
    model: tuned?.model ?? refit,
    removed: pruned,
    ...(tuned ? { fineTune: summary(tuned) } : {}),
    plan,
    gated: { model: trainedGated, epsilon, info: gated },
    gates,
    histogram: gateHistogram(gates),
    ...(polarizer.beforeForcing ? { histogramBeforeForcing: gateHistogram(polarizer.beforeForcing) } : {}),
    macs: { base, target: goal, kept: macs, met: macs <= goal },
    check,
    training: summary(result),
    skipped: gated.skipped,
    ...(note ? { note } : {}),
  };
}

/** The polarizer with `onGates` told the gates after each of its steps. */
function observed(polarizer: Polarizer, onGates: NonNullable<GatesJob['onGates']>): TrainTerm {
  return {
    gradient: (values, grads, step, total) => polarizer.gradient(values, grads, step, total),
    afterStep: (values, step, total) => {
      polarizer.afterStep!(values, step, total);
      onGates(polarizer.gates(values), step, total);
    },
    admissible: (values) => polarizer.admissible!(values),
  };
}

/** Taylor importance of every prunable channel (mean 1 per group) on the first `importanceImages` images; undefined when 0. */
async function channelImportance(job: GatesJob, model: ModelProto, analysis: ChannelAnalysis): Promise<Map<string, Float64Array> | undefined> {
  const n = Math.min(job.settings.importanceImages, job.images.images.length);
  if (!(n > 0) || !Number.isFinite(job.settings.importanceFloor)) return undefined;
  const batches = firstImages(job, n);
  const scored = await scoreGroups(model, 'taylor', { runner: job.runner, batches, tasks: job.tasks, signal: job.signal, allowNonFinite: true }, analysis);
  return scored.scores;
}

/** The first `n` images (unaugmented) as batches of at most 64. */
function firstImages(job: GatesJob, n: number): ImageBatch[] {
  const size = Math.min(job.settings.batchSize, 64);
  const batches: ImageBatch[] = [];
  for (let at = 0; at < Math.min(n, job.images.images.length); at += size) {
    const idx = Array.from({ length: Math.min(size, n - at, job.images.images.length - at) }, (_, i) => at + i);
    batches.push({ feeds: { [job.images.input]: viewBatch(job.images, idx, idx.map(() => 0), NO_AUGMENTATION) } });
  }
  return batches;
}

function gateMap(gated: GatedModel, values: ReadonlyMap<string, Float32Array>, epsilon: number): Map<string, Float32Array> {
  return new Map(gated.groups.map((g) => [g.id, Float32Array.from(values.get(g.theta)!, (t) => (t * t) / (t * t + epsilon))]));
}

/** Runs the gated model (at `epsilon`) and the pruned one on up to 8 images; throws when they disagree beyond float rounding. */
async function checkEqual(runner: ModelRunner, gatedModel: ModelProto, pruned: ModelProto, images: TrainingImages, epsilon: number): Promise<GatesResult['check']> {
  const n = Math.min(8, images.images.length);
  const idx = Array.from({ length: n }, (_, i) => i);
  const batch = viewBatch(images, idx, idx.map(() => 0), NO_AUGMENTATION);
  const run = (m: ModelProto, extra: Record<string, Float32Tensor>) => withModel(runner, m, (s) => s.run({ [images.input]: batch, ...extra }));
  const a = await run(gatedModel, { [EPSILON_INPUT]: { dims: [1], data: Float32Array.of(epsilon) } });
  const b = await run(pruned, {});
  let maxDifference = 0;
  let scale = 0;
  for (const [name, t] of Object.entries(b)) {
    const u = a[name]!;
    for (let i = 0; i < t.data.length; i++) {
      maxDifference = Math.max(maxDifference, Math.abs(t.data[i]! - u.data[i]!));
      scale = Math.max(scale, Math.abs(u.data[i]!));
    }
  }
  if (!(maxDifference <= 1e-3 * Math.max(1, scale))) throw new Error(`gates: the pruned model differs from the gated one by ${maxDifference} on ${n} images (largest output ${scale}); this is a bug, please report it with the model`);
  return { images: n, maxDifference };
}
