// Quality of a (pruned) model on images: top-1 accuracy against labels, agreement of the top-1 class
// with the unpruned model, and the mean KL divergence of its probabilities from the unpruned model's.
import type { ModelProto } from '../onnx/proto.js';
import { softmaxAxis1, type ImageBatch } from './images.js';
import type { AbortSignalLike, Float32Tensor, ModelRunner } from './runner.js';
import { checkAborted, withModel } from './runner.js';

/** Which number a drop is measured in. Accuracy needs labels; agreement and KL compare with the unpruned model. */
export type MetricName = 'accuracy' | 'agreement' | 'kl';

export interface Quality {
  /** Fraction of labelled images classified correctly (undefined without labels). */
  accuracy?: number;
  /** Fraction of images (and positions, for dense outputs) whose top-1 class matches the reference. */
  agreement: number;
  /** Mean KL(reference ‖ model) per image. */
  kl: number;
}

/** Arg-max along axis 1, per image and position. */
export function argmax(t: Float32Tensor): Int32Array {
  const [n, k] = t.dims as [number, number];
  const inner = t.data.length / (n * k);
  const out = new Int32Array(n * inner);
  for (let i = 0; i < n; i++) for (let s = 0; s < inner; s++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (t.data[(i * k + c) * inner + s]! > t.data[(i * k + best) * inner + s]!) best = c;
    out[i * inner + s] = best;
  }
  return out;
}

/** The outputs of `model` on every batch (the reference that pruned models are compared with). */
export async function referenceOutputs(model: ModelProto, runner: ModelRunner, batches: readonly ImageBatch[], signal?: AbortSignalLike): Promise<Record<string, Float32Tensor>[]> {
  return withModel(runner, model, async (m) => {
    const outs: Record<string, Float32Tensor>[] = [];
    for (const b of batches) {
      checkAborted(signal);
      outs.push(await m.run(b.feeds, { signal }));
    }
    return outs;
  });
}

/** Compares outputs with the reference (and labels, on the first output) for one output name. */
export function compareOutputs(outs: readonly Record<string, Float32Tensor>[], reference: readonly Record<string, Float32Tensor>[], batches: readonly ImageBatch[], output: string, isProbs = false): Quality {
  let correct = 0;
  let labelled = 0;
  let agree = 0;
  let positions = 0;
  let kl = 0;
  let images = 0;
  outs.forEach((o, bi) => {
    const got = o[output]!;
    const ref = reference[bi]![output]!;
    const a = argmax(got);
    const r = argmax(ref);
    a.forEach((v, i) => (agree += v === r[i] ? 1 : 0));
    positions += a.length;
    const labels = batches[bi]!.labels;
    if (labels && got.dims.length === 2) {
      labels.forEach((l, i) => (correct += a[i] === l ? 1 : 0));
      labelled += labels.length;
    }
    const p = isProbs ? ref : softmaxAxis1(ref);
    const q = isProbs ? got : softmaxAxis1(got);
    for (let i = 0; i < p.data.length; i++) {
      const pi = p.data[i]!;
      if (pi > 0) kl += pi * (Math.log(pi) - Math.log(Math.max(q.data[i]!, 1e-30)));
    }
    images += got.dims[0]!;
  });
  return { accuracy: labelled ? correct / labelled : undefined, agreement: positions ? agree / positions : 1, kl: images ? kl / images : 0 };
}

/** Runs `model` on the batches and measures it against the reference outputs. */
export async function measureQuality(model: ModelProto, runner: ModelRunner, batches: readonly ImageBatch[], reference: readonly Record<string, Float32Tensor>[], output: string, signal?: AbortSignalLike): Promise<Quality> {
  const outs = await referenceOutputs(model, runner, batches, signal);
  return compareOutputs(outs, reference, batches, output);
}

/** The drop of `metric` from `base` to `now` (positive = worse; KL increase for "kl"). */
export function metricDrop(metric: MetricName, base: Quality, now: Quality): number {
  if (metric === 'kl') return now.kl - base.kl;
  if (metric === 'accuracy') {
    if (base.accuracy === undefined || now.accuracy === undefined) throw new Error('metric "accuracy" needs labelled images (class sub-folders); use "agreement" otherwise');
    return base.accuracy - now.accuracy;
  }
  return base.agreement - now.agreement;
}
