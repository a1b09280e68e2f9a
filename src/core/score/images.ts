// Image batches for data-based scoring, and the loss targets built from them.
import type { Feeds, Float32Tensor } from './runner.js';

/** A batch of preprocessed images with, when known, one class label per image. */
export interface ImageBatch {
  feeds: Feeds;
  labels?: readonly number[];
}

/** Softmax over axis 1 of an [N, K, ...] tensor, in float64 for the sums. */
export function softmaxAxis1(t: Float32Tensor): Float32Tensor {
  const [n, k] = t.dims as [number, number];
  const inner = t.data.length / (n * k);
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < n; i++) for (let s = 0; s < inner; s++) {
    const at = (c: number) => (i * k + c) * inner + s;
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, t.data[at(c)]!);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(t.data[at(c)]! - max);
    for (let c = 0; c < k; c++) out[at(c)] = Math.exp(t.data[at(c)]! - max) / sum;
  }
  return { dims: t.dims, data: out };
}

/** One-hot [N, K] targets from labels. */
export function oneHot(labels: readonly number[], classes: number): Float32Tensor {
  const data = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => {
    if (!(l >= 0 && l < classes)) throw new Error(`label ${l} of image ${i} is outside the model's ${classes} classes`);
    data[i * classes + l] = 1;
  });
  return { dims: [labels.length, classes], data };
}

/** One-hot of the arg-max along axis 1 (pseudo-labels from a model's own prediction). */
export function argmaxOneHot(t: Float32Tensor): Float32Tensor {
  const [n, k] = t.dims as [number, number];
  const inner = t.data.length / (n * k);
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < n; i++) for (let s = 0; s < inner; s++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (t.data[(i * k + c) * inner + s]! > t.data[(i * k + best) * inner + s]!) best = c;
    out[(i * k + best) * inner + s] = 1;
  }
  return { dims: t.dims, data: out };
}

/** Σ over images and positions of −Σ_k target·log softmax(logits) (or of log probs when `isProbs`), per image. */
export function crossEntropyPerImage(out: Float32Tensor, target: Float32Tensor, isProbs: boolean): Float64Array {
  const [n, k] = out.dims as [number, number];
  const inner = out.data.length / (n * k);
  const probs = isProbs ? out : softmaxAxis1(out);
  const loss = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let s = 0; s < inner; s++) for (let c = 0; c < k; c++) {
    const at = (i * k + c) * inner + s;
    const t = target.data[at]!;
    if (t) loss[i] = loss[i]! - t * Math.log(Math.max(probs.data[at]!, 1e-30));
  }
  return loss;
}

/** Number of images in a batch (the first dim of its first input). */
export function batchSize(batch: ImageBatch): number {
  const first = Object.values(batch.feeds)[0];
  if (!first) throw new Error('an image batch has no input tensors');
  return first.dims[0]!;
}
