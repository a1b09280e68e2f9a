// The training loop every trainer shares (distillation now, GDP's gates next): mini-batches of
// augmented views, one run of a generated training model per step (forward, loss head and parameter
// gradients as ordinary ONNX ops: score/backward.ts), an optimizer step in JS, a held-out check per
// epoch that keeps the best parameters (the start counts, so the result is never worse on held-out
// images), and the ways a run ends early: cancel (keeps the best so far), a non-finite loss
// (restores the best and says so), and running out of memory (halves the batch and goes on). A run
// that diverges without overflowing (the held-out loss far above the best) restarts from the best
// parameters at a quarter of the learning rate, at most twice, then stops with the best.
import type { Feeds, Float32Tensor, ModelRunner, AbortSignalLike, OpenedModel } from '../score/runner.js';
import type { ModelProto } from '../onnx/proto.js';
import { createGroupedOptimizer, optimizerInfo, DEFAULT_OPTIMIZER_SETTINGS, type OptimizerId, type OptimizerSettings, type Parameter } from './optimizer.js';
import { scheduleInfo, type ScheduleId } from './schedule.js';
import { shuffled, viewBatch, viewCount, type Augmentation, type TrainingImages } from './images.js';
import { seededRandom } from '../random.js';

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  /** Peak learning rate of the schedule. */
  lr: number;
  optimizer: OptimizerId;
  optimizerSettings?: Partial<OptimizerSettings>;
  schedule: ScheduleId;
  augmentation: Augmentation;
  seed: number;
}

/** What a trainer adds to the loop: the extra feeds of a batch (targets) and the loss it reports. */
export interface TrainObjective {
  /** Feeds besides the images and the parameters for these images and views (e.g. the teacher's targets). */
  targets(indices: readonly number[], views: readonly number[]): Promise<Feeds>;
  /** Sum over the batch of the loss the training model differentiates, from its outputs. */
  loss(outputs: Readonly<Record<string, Float32Tensor>>, targets: Feeds, indices: readonly number[]): number;
  /** Held-out quality of the current parameters (lower `loss` is better), from a forward run per batch. */
  heldOut(run: (images: Float32Tensor) => Promise<Record<string, Float32Tensor>>): Promise<{ loss: number; agreement?: number }>;
}

/**
 * A term a trainer adds in JS on the parameters themselves (GDP's polarisation regulariser on its
 * gates): its gradient joins the batch-averaged gradients before each step, `afterStep` may project
 * the parameters after it (a gate held at exactly 0), and `admissible` says whether parameters may
 * be kept as the best (GDP: only once the cost budget is met), the start included.
 */
export interface TrainTerm {
  /** Adds the term's gradient into `grads` (by parameter name, already averaged over the batch); returns its value. */
  gradient(values: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>, step: number, total: number): number;
  afterStep?(values: ReadonlyMap<string, Float32Array>, step: number, total: number): void;
  admissible?(values: ReadonlyMap<string, Float32Array>): boolean;
}

export interface EpochReport {
  epoch: number;
  /** Mean training loss per image over the epoch (the epoch-0 entry has none: it is the start). */
  trainLoss?: number;
  heldOutLoss: number;
  heldOutAgreement?: number;
  /** Learning rate at the end of the epoch. */
  lr: number;
  seconds: number;
  batchSize: number;
  /** This epoch's parameters are the best so far (kept). */
  best: boolean;
}

export type StopReason = 'done' | 'cancelled' | 'non-finite' | 'diverged';

/** An epoch whose held-out loss is this many times the best one (or the start, if higher) has diverged. */
const DIVERGED_RATIO = 10;
/**
 * ... unless the loss is still below this: a student least squares already fitted (held-out KL 5e-5)
 * that drifts to 7e-4 in an epoch has not diverged, and a note saying so would mislead (the best
 * checkpoint keeps the start either way). Found on random-init fixtures in the studio.
 */
const DIVERGED_FLOOR = 1e-2;
/** Restarts at a lower learning rate before a diverging run is stopped. */
const MAX_BACKOFFS = 2;

export interface TrainResult {
  /** The best parameters by held-out loss (the starting values when nothing improved). */
  params: Map<string, Float32Array>;
  history: EpochReport[];
  bestEpoch: number;
  stoppedBy: StopReason;
  /** Why the run stopped early, for the user. */
  note?: string;
  seconds: number;
  steps: number;
}

export interface TrainJob {
  runner: ModelRunner;
  /** Takes the images, the targets and every parameter as inputs; outputs the loss head's tensors and `gradientOf` values. */
  trainingModel: ModelProto;
  /** The same forward graph with the parameters as inputs, for held-out checks. */
  forwardModel: ModelProto;
  /** Parameter → output name of its gradient in the training model. */
  gradientOf: ReadonlyMap<string, string>;
  /** Starting values (copied, never modified). */
  params: ReadonlyMap<string, Float32Tensor>;
  images: TrainingImages;
  train: readonly number[];
  objective: TrainObjective;
  settings: TrainSettings;
  signal?: AbortSignalLike;
  /** Feeds both models take besides images, targets and parameters, read before every run (GDP: the gate smoothing ε). */
  extraFeeds?: () => Feeds;
  /** A term computed in JS on the parameters (regulariser, projection, admissible checkpoints). */
  term?: TrainTerm;
  /** A parameter's own optimizer (torch's parameter groups); the others use `settings.optimizer`. */
  optimizerOf?: (name: string) => OptimizerId | undefined;
  /** Awaited between steps: a paused studio keeps it pending. */
  gate?: () => Promise<void>;
  onEpoch?: (report: EpochReport) => void;
  onStep?: (step: number, total: number, loss: number) => void;
  /** For tests and benches: the clock. */
  now?: () => number;
}

/** The runtime ran out of memory for this batch (the loop halves the batch and goes on). */
export const isOutOfMemory = (e: unknown): boolean => /bad_alloc|out of memory|failed to allocate|allocation failed|OOM/i.test(e instanceof Error ? e.message : String(e));

const finite = (a: Float32Array) => {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
};

function copyParams(params: readonly Parameter[]): Map<string, Float32Array> {
  return new Map(params.map((p) => [p.name, p.value.slice()]));
}

/** Runs the training loop; see the file comment. Never throws for cancel or a non-finite loss. */
export async function train(job: TrainJob): Promise<TrainResult> {
  const now = job.now ?? (() => performance.now());
  const started = now();
  const s = job.settings;
  if (!(s.epochs >= 1 && Number.isInteger(s.epochs))) throw new Error(`epochs must be a whole number ≥ 1, got ${s.epochs}`);
  if (!(s.batchSize >= 1 && Number.isInteger(s.batchSize))) throw new Error(`batch size must be a whole number ≥ 1, got ${s.batchSize}`);
  if (!(s.lr > 0 && Number.isFinite(s.lr))) throw new Error(`learning rate must be a positive number, got ${s.lr}`);
  if (!job.train.length) throw new Error('training needs at least one training image');
  // Biases, BN scales and other 1-D parameters get no weight decay (as is usual in PyTorch recipes).
  const params: Parameter[] = [...job.params].map(([name, t]) => ({ name, value: t.data.slice(), decay: t.dims.length > 1 }));
  const dims = new Map([...job.params].map(([name, t]) => [name, t.dims]));
  const optimizerSettings = { ...DEFAULT_OPTIMIZER_SETTINGS, ...s.optimizerSettings };
  const newOptimizer = () => (job.optimizerOf ? createGroupedOptimizer(params, optimizerSettings, s.optimizer, job.optimizerOf) : optimizerInfo(s.optimizer).create(params, optimizerSettings));
  let optimizer = newOptimizer();
  let lrScale = 1;
  const notes: string[] = [];
  const schedule = scheduleInfo(s.schedule);
  const random = seededRandom(s.seed);
  const views = viewCount(s.augmentation);
  const input = job.images.input;
  const paramFeeds = (): Feeds => ({ ...job.extraFeeds?.(), ...Object.fromEntries(params.map((p) => [p.name, { dims: dims.get(p.name)!, data: p.value }])) });
  const values: ReadonlyMap<string, Float32Array> = new Map(params.map((p) => [p.name, p.value]));
  const admissible = () => job.term?.admissible?.(values) ?? true;

  const trainer = await job.runner(job.trainingModel);
  const forward = await job.runner(job.forwardModel);
  const history: EpochReport[] = [];
  let batchSize = s.batchSize;
  let steps = 0;
  let stoppedBy: StopReason = 'done';
  let note: string | undefined;
  try {
    const heldOut = () => job.objective.heldOut(async (images) => forward.run({ [input]: images, ...paramFeeds() }, { signal: job.signal }));
    const start = await heldOut();
    // Without an admissible epoch yet, the "best" is the latest parameters (loss +∞ so the first admissible one wins).
    let best = { loss: admissible() ? start.loss : Infinity, params: copyParams(params), epoch: 0 };
    history.push({ epoch: 0, heldOutLoss: start.loss, heldOutAgreement: start.agreement, lr: 0, seconds: (now() - started) / 1000, batchSize, best: best.loss < Infinity });
    job.onEpoch?.(history[0]!);
    const stepsPerEpoch = () => Math.ceil(job.train.length / batchSize);
    let total = stepsPerEpoch() * s.epochs;

    epochs: for (let epoch = 1; epoch <= s.epochs; epoch++) {
      const order = shuffled([...job.train], random);
      let lossSum = 0;
      let seen = 0;
      for (let at = 0; at < order.length; ) {
        // The gate first: a stop pressed while paused ends the run without another step.
        await job.gate?.();
        if (job.signal?.aborted) {
          stoppedBy = 'cancelled';
          note = `cancelled in epoch ${epoch}; kept the best parameters so far (epoch ${best.epoch})`;
          break epochs;
        }
        const indices = order.slice(at, at + batchSize);
        const viewIds = indices.map(() => Math.floor(random() * views));
        const feeds: Feeds = { [input]: viewBatch(job.images, indices, viewIds, s.augmentation), ...(await job.objective.targets(indices, viewIds)), ...paramFeeds() };
        let out: Record<string, Float32Tensor>;
        try {
          out = await trainer.run(feeds, { signal: job.signal });
        } catch (e) {
          if ((e as Error)?.name === 'AbortError') continue;
          if (isOutOfMemory(e) && batchSize > 1) {
            batchSize = Math.max(1, Math.floor(batchSize / 2));
            total = steps + stepsPerEpoch() * (s.epochs - epoch + 1);
            continue;
          }
          throw e;
        }
        const loss = job.objective.loss(out, feeds, indices);
        const grads = params.map((p) => out[job.gradientOf.get(p.name)!]!.data);
        if (!Number.isFinite(loss) || !grads.every(finite)) {
          stoppedBy = 'non-finite';
          note = `the loss became ${Number.isNaN(loss) ? 'NaN' : Number.isFinite(loss) ? 'non-finite in a gradient' : 'infinite'} at step ${steps + 1} (epoch ${epoch}); restored the best parameters (epoch ${best.epoch}). Try a lower learning rate.`;
          break epochs;
        }
        const scale = 1 / indices.length;
        for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = g[i]! * scale;
        if (job.term) job.term.gradient(values, new Map(params.map((p, k) => [p.name, grads[k]!])), steps, total);
        optimizer.step(grads, schedule.rate(steps, total, s.lr) * lrScale);
        steps++;
        job.term?.afterStep?.(values, steps, total);
        lossSum += loss;
        seen += indices.length;
        at += indices.length;
        job.onStep?.(steps, total, loss / indices.length);
      }
      const check = await heldOut();
      const eligible = admissible();
      const improved = eligible && check.loss < best.loss;
      if (improved) best = { loss: check.loss, params: copyParams(params), epoch };
      history.push({ epoch, trainLoss: lossSum / Math.max(1, seen), heldOutLoss: check.loss, heldOutAgreement: check.agreement, lr: schedule.rate(Math.max(0, steps - 1), total, s.lr) * lrScale, seconds: (now() - started) / 1000, batchSize, best: improved });
      job.onEpoch?.(history[history.length - 1]!);
      if (!eligible && best.loss === Infinity) best = { loss: Infinity, params: copyParams(params), epoch };
      // Plain objectives only: a term (GDP's regulariser) may raise the held-out loss on purpose.
      // Measured against the start too: a best near zero must not make ordinary noise look like divergence.
      const reference = Math.max(best.loss, start.loss);
      if (!job.term && Number.isFinite(reference) && reference > 0 && check.loss > DIVERGED_RATIO * reference && check.loss > DIVERGED_FLOOR) {
        const what = `the held-out loss rose to ${check.loss.toPrecision(3)} in epoch ${epoch} (${(check.loss / reference).toFixed(0)}× the ${best.loss >= start.loss ? 'best' : 'starting'} loss; best: epoch ${best.epoch})`;
        if (notes.length >= MAX_BACKOFFS) {
          stoppedBy = 'diverged';
          notes.push(`${what} again: stopped and kept the best parameters (epoch ${best.epoch}). Try a lower learning rate.`);
          break;
        }
        // Restart from the best parameters with a fresh optimizer state and a quarter of the rate.
        for (const p of params) p.value.set(best.params.get(p.name)!);
        optimizer = newOptimizer();
        lrScale /= 4;
        notes.push(`${what}: training diverged, so it went on from epoch ${best.epoch}'s parameters at ${lrScale === 0.25 ? 'a quarter' : `${lrScale}×`} of the learning rate`);
      }
    }
    if (notes.length) note = [...notes, ...(note ? [note] : [])].join('; ');
    return { params: best.params, history, bestEpoch: best.epoch, stoppedBy, note, seconds: (now() - started) / 1000, steps };
  } finally {
    await release(trainer, forward);
  }
}

async function release(...models: OpenedModel[]): Promise<void> {
  for (const m of models) await m.release();
}
