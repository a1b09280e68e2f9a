// Knowledge distillation of a pruned model (the student) from the unpruned one (the teacher), the
// "distill" step of Comb-Prune-Distill: the student learns the teacher's outputs on the user's
// (unlabelled) images. Class and segmentation outputs: T²·KL(softmax(t/T) ‖ softmax(s/T)); dense
// outputs: ½‖s − t‖²; with labels, cross-entropy is mixed in. Several outputs: each loss is divided
// by its value at the start, so every task counts alike. The teacher runs once per image and view
// (its outputs are cached), the student trains with the shared loop (trainer.ts).
import { buildBackwardModel, type BackwardModel } from '../score/backward.js';
import { declaredInfo } from '../graph/shapes.js';
import { fixedBatchSize } from '../images/preprocess.js';
import type { TaskKind } from '../score/loss-task.js';
import type { ModelProto } from '../onnx/proto.js';
import type { AbortSignalLike, Feeds, Float32Tensor, ModelRunner } from '../score/runner.js';
import { withModel } from '../score/runner.js';
import { argmax } from '../score/metric.js';
import { splitHeldOut, viewBatch, type TrainingImages } from './images.js';
import { parametersAsInputs, readParameters, withParameters } from './parameter-inputs.js';
import { train, type EpochReport, type TrainObjective, type TrainResult, type TrainSettings, type TrainTerm } from './trainer.js';
import { trainableParameters } from './parameters.js';
import type { OptimizerId } from './optimizer.js';

export interface DistillSettings extends TrainSettings {
  temperature: number;
  /** Weight of the distillation term when images are labelled; 1 − this goes to cross-entropy with the labels. */
  distillWeight: number;
  /** Share of the images kept out of training to choose the best epoch. */
  heldOutFraction: number;
}

/**
 * The recipe measured in docs/training.md against PyTorch (AdamW, one-cycle, lr 1e-3, T = 4, flips).
 * AdamW, not SGD: at 50 % of MACs it matched or beat SGD-Nesterov at the same rate on every demo and
 * held-out model (ViT +1.3 points, VGG +0.3–0.5, SqueezeNet +0.2–0.3, ResNet-8 +0–0.25), and on a
 * two-task model. Likely why: the BN-folded layers' weight scales differ per layer, which a
 * per-weight step size absorbs and one global rate does not.
 */
export const DEFAULT_DISTILL_SETTINGS: Readonly<DistillSettings> = {
  epochs: 10, batchSize: 64, lr: 1e-3, optimizer: 'adamw', schedule: 'one-cycle', augmentation: { flip: true, shift: 0 }, seed: 0,
  temperature: 4, distillWeight: 0.5, heldOutFraction: 0.1,
};

export interface DistillJob {
  runner: ModelRunner;
  teacher: ModelProto;
  student: ModelProto;
  images: TrainingImages;
  settings: DistillSettings;
  /** Parameters to train (default: every trainable weight and bias of the student). */
  parameters?: readonly string[];
  /** Outputs whose loss is distilled (default: every graph output) and their tasks (default: detected). */
  outputs?: readonly string[];
  tasks?: Readonly<Record<string, TaskKind>>;
  /** Extra inputs of the student fed every run, and a term on its parameters (GDP's gates: gates.ts). */
  extraFeeds?: () => Feeds;
  term?: TrainTerm;
  /** A parameter's own optimizer (the trainer's parameter groups). */
  optimizerOf?: (name: string) => OptimizerId | undefined;
  signal?: AbortSignalLike;
  gate?: () => Promise<void>;
  onEpoch?: (report: EpochReport) => void;
  onStep?: (step: number, total: number, loss: number) => void;
}

export interface DistillResult extends TrainResult {
  /** The student with the best parameters written in (a new model; the inputs are not modified). */
  model: ModelProto;
  parameters: string[];
  images: { train: number; heldOut: number; labelled: boolean };
}

interface OutputHead {
  out: string;
  task: TaskKind;
  /** The teacher/student output holds probabilities (a final Softmax): logits are their logs. */
  probs: boolean;
  target: string;
}

/** log-softmax(x/T) over axis 1 of an [N, K, ...] tensor, image `i` only, into `out` (same layout). */
function logSoftmaxT(x: Float32Array, dims: readonly number[], i: number, temperature: number, fromProbs: boolean, out: Float64Array): void {
  const k = dims[1]!;
  const inner = dims.slice(2).reduce((a, b) => a * b, 1);
  const base = i * k * inner;
  for (let s = 0; s < inner; s++) {
    let max = -Infinity;
    const z = (c: number) => (fromProbs ? Math.log(Math.max(x[base + c * inner + s]!, 1e-30)) : x[base + c * inner + s]!) / temperature;
    for (let c = 0; c < k; c++) max = Math.max(max, z(c));
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(z(c) - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < k; c++) out[c * inner + s] = z(c) - lse;
  }
}

/** Refuses, up front and with the fix, a model whose input takes a fixed number of images (training runs batches). */
export function requireBatchedInput(model: ModelProto, inputName: string): void {
  const input = model.graph!.input.find((i) => i.name === inputName);
  const shape = (input && declaredInfo(input)?.shape) ?? [];
  const fixed = fixedBatchSize(shape);
  if (fixed !== undefined) {
    throw new Error(`training runs batches of images, but the model takes exactly ${fixed} per run (input "${inputName}" is [${shape.join(', ')}]): export it with a dynamic batch dimension (torch.onnx.export(…, dynamic_axes={"${inputName}": {0: "batch"}})) to train it; lsq and bias need no training`);
  }
}

/** Distils `student` from `teacher` on `images`; see the file comment. */
export async function distill(job: DistillJob): Promise<DistillResult> {
  const s = job.settings;
  if (!(s.temperature > 0)) throw new Error(`temperature must be positive, got ${s.temperature}`);
  const names = [...(job.parameters ?? trainableParameters(job.student))];
  // Biases and norm scales alone (a quantized model's float bias on Add) cannot win back what pruning took.
  const rank = new Map(job.student.graph!.initializer.map((t) => [t.name, t.dims.length]));
  if (!names.some((n) => (rank.get(n) ?? 0) >= 2)) throw new Error('the model has no float32 weights to train (quantized weights are never trained): recover it with lsq or bias instead, or distil the float model and quantize after');
  requireBatchedInput(job.student, job.images.input);
  const labelled = !!job.images.labels && s.distillWeight < 1;
  const outputs = job.outputs ? [...job.outputs] : job.student.graph!.output.map((o) => o.name);
  const bw: BackwardModel = buildBackwardModel(job.student, {
    activations: [], lossOutputs: outputs, tasks: job.tasks, trainable: names, temperature: s.temperature, labels: labelled, lossScaleInputs: true,
  });
  const heads: OutputHead[] = outputs.map((out) => ({ out, task: bw.taskOf.get(out)!, probs: bw.logitsOf.get(out) !== out, target: bw.targetOf.get(out)! }));
  const { train: trainIdx, heldOut } = splitHeldOut(job.images.images.length, s.heldOutFraction, s.seed);
  const start = readParameters(job.student, names);

  return withModel(job.runner, job.teacher, async (teacher) => {
    // Teacher targets per (image, view): softmax(t/T) for class outputs, t itself for dense ones.
    const cache = new Map<string, Float32Array[]>();
    const outDims = new Map<string, number[]>();
    const key = (img: number, view: number) => `${img}:${view}`;
    const teach = async (indices: readonly number[], views: readonly number[]) => {
      const missing = indices.map((img, k) => ({ img, view: views[k]! })).filter((x) => !cache.has(key(x.img, x.view)));
      for (let at = 0; at < missing.length; at += s.batchSize) {
        const part = missing.slice(at, at + s.batchSize);
        const res = await teacher.run({ [job.images.input]: viewBatch(job.images, part.map((p) => p.img), part.map((p) => p.view), s.augmentation) }, { signal: job.signal });
        part.forEach((p, n) => {
          cache.set(key(p.img, p.view), heads.map((h) => {
            const t = res[h.out]!;
            outDims.set(h.out, t.dims.slice(1));
            const size = t.data.length / t.dims[0]!;
            if (h.task === 'dense') return t.data.slice(n * size, (n + 1) * size);
            const logp = new Float64Array(size);
            logSoftmaxT(t.data, t.dims, n, s.temperature, h.probs, logp);
            return Float32Array.from(logp, Math.exp);
          }));
        });
      }
    };
    const stack = (indices: readonly number[], views: readonly number[], h: number): Float32Tensor => {
      const rows = indices.map((img, k) => cache.get(key(img, views[k]!))![h]!);
      const data = new Float32Array(rows.length * rows[0]!.length);
      rows.forEach((r, k) => data.set(r, k * r.length));
      return { dims: [rows.length, ...outDims.get(heads[h]!.out)!], data };
    };

    // Per-output loss of image n: distillation (and cross-entropy with its label when `withLabels`).
    const lossOf = (h: OutputHead, got: Float32Tensor, target: Float32Tensor, n: number, label: number | undefined): number => {
      const size = got.data.length / got.dims[0]!;
      if (h.task === 'dense') {
        let sq = 0;
        for (let i = 0; i < size; i++) sq += (got.data[n * size + i]! - target.data[n * size + i]!) ** 2;
        return sq / 2;
      }
      const logq = new Float64Array(size);
      logSoftmaxT(got.data, got.dims, n, s.temperature, h.probs, logq);
      let kl = 0;
      for (let i = 0; i < size; i++) {
        const p = target.data[n * size + i]!;
        if (p > 0) kl += p * (Math.log(p) - logq[i]!);
      }
      kl *= s.temperature * s.temperature;
      if (label === undefined) return kl;
      const k = got.dims[1]!;
      const inner = size / k;
      const logp1 = new Float64Array(size);
      logSoftmaxT(got.data, got.dims, n, 1, h.probs, logp1);
      let ce = 0;
      for (let p = 0; p < inner; p++) ce -= logp1[label * inner + p]!;
      return s.distillWeight * kl + (1 - s.distillWeight) * ce;
    };

    const scales = heads.map(() => 1);
    const scaleFeeds = (): Feeds => Object.fromEntries(heads.map((h, i) => [`${h.out}__lossscale`, { dims: [1], data: Float32Array.of(scales[i]!) }]));
    const labelFeeds = (indices: readonly number[]): Feeds => {
      if (!labelled) return {};
      const feeds: Feeds = {};
      heads.forEach((h) => {
        if (h.task === 'dense') return;
        const dims = [indices.length, ...outDims.get(h.out)!];
        const size = dims.slice(1).reduce((a, b) => a * b, 1);
        const k = dims[1]!;
        const inner = size / k;
        const data = new Float32Array(indices.length * size);
        indices.forEach((img, n) => {
          const label = job.images.labels![img]!;
          for (let p = 0; p < inner; p++) data[n * size + label * inner + p] = 1;
        });
        feeds[`${h.out}__label`] = { dims, data };
        feeds[`${h.out}__kdweight`] = { dims: [1], data: Float32Array.of(s.distillWeight) };
      });
      return feeds;
    };

    let firstHeldOut = true;
    const agreementHead = heads.findIndex((x) => x.task !== 'dense');
    const objective: TrainObjective = {
      async targets(indices, views) {
        await teach(indices, views);
        return { ...Object.fromEntries(heads.map((h, i) => [h.target, stack(indices, views, i)])), ...labelFeeds(indices), ...scaleFeeds() };
      },
      loss(outs, feeds, indices) {
        let total = 0;
        heads.forEach((h, i) => {
          const got = outs[h.out]!;
          const target = feeds[h.target]!;
          for (let n = 0; n < indices.length; n++) {
            const label = labelled && h.task !== 'dense' ? job.images.labels![indices[n]!] : undefined;
            total += scales[i]! * lossOf(h, got, target, n, label);
          }
        });
        return total;
      },
      async heldOut(run) {
        const perHead = heads.map(() => 0);
        let agree = 0;
        let positions = 0;
        for (let at = 0; at < heldOut.length; at += s.batchSize) {
          const idx = heldOut.slice(at, at + s.batchSize);
          const views = idx.map(() => 0);
          await teach(idx, views);
          const outs = await run(viewBatch(job.images, idx, views, s.augmentation));
          heads.forEach((h, i) => {
            const target = stack(idx, views, i);
            for (let n = 0; n < idx.length; n++) perHead[i] = perHead[i]! + lossOf(h, outs[h.out]!, target, n, undefined);
            if (i === agreementHead) {
              // softmax(t/T) keeps the teacher's arg-max, so the targets give its classes.
              const got = argmax(outs[h.out]!);
              const want = argmax(target);
              got.forEach((c, at) => (agree += c === want[at] ? 1 : 0));
              positions += got.length;
            }
          });
        }
        const count = Math.max(1, heldOut.length);
        // The first check (the start) fixes each output's scale: every output then counts the mean
        // of their losses, so tasks weigh alike and the sum keeps its size (dividing by each start loss
        // instead blows the step up a millionfold when an output starts near its target).
        if (firstHeldOut && heads.length > 1) {
          const mean = perHead.reduce((a, l) => a + l, 0) / heads.length;
          perHead.forEach((l, i) => (scales[i] = l > 0 ? mean / l : 1));
        }
        firstHeldOut = false;
        const loss = perHead.reduce((a, l, i) => a + scales[i]! * l, 0) / count;
        return { loss, agreement: positions ? agree / positions : undefined };
      },
    };

    const result = await train({
      runner: job.runner,
      trainingModel: bw.model,
      forwardModel: parametersAsInputs(job.student, names),
      gradientOf: bw.parameterGradientOf,
      params: start,
      images: job.images,
      train: trainIdx.length ? trainIdx : heldOut,
      objective,
      settings: s,
      extraFeeds: job.extraFeeds,
      term: job.term,
      optimizerOf: job.optimizerOf,
      signal: job.signal,
      gate: job.gate,
      onEpoch: job.onEpoch,
      onStep: job.onStep,
    });
    const model = withParameters(job.student, result.params, start);
    return { ...result, model, parameters: names, images: { train: trainIdx.length, heldOut: heldOut.length, labelled } };
  });
}
