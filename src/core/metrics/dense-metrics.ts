// Metrics for outputs that are not one class per image, accumulated batch by batch:
//   dense         MSE to the reference output, and PSNR over the reference's observed value range
//   segmentation  pixel accuracy and mIoU of the per-pixel argmax against the reference's argmax
// plus one per-output accumulator that routes each output to these or to the classifier agreement
// by its task kind (src/core/score/loss-task.ts).
import type { Float32Tensor } from '../float32-tensor.js';
import type { TaskKind } from '../score/loss-task.js';
import { addAgreementBatch, cosine, createAgreement, summarizeAgreement, type AgreementState, type AgreementSummary } from './agreement.js';

/** Running squared error and the reference's value range (the PSNR peak). */
export interface DenseState {
  values: number;
  squaredError: number;
  cosineSum: number;
  images: number;
  min: number;
  max: number;
}

export interface DenseSummary {
  mse: number;
  /** 10·log10(range² / mse) in dB; Infinity when mse is 0; undefined when the range is 0. */
  psnr?: number;
  /** The data range PSNR uses: max − min of every reference value seen. */
  psnrRange: number;
  cosine: number;
}

export function createDense(): DenseState {
  return { values: 0, squaredError: 0, cosineSum: 0, images: 0, min: Infinity, max: -Infinity };
}

function sameShape(output: Float32Tensor, reference: Float32Tensor) {
  if (output.data.length !== reference.data.length || output.dims.length !== reference.dims.length || output.dims.some((d, i) => d !== reference.dims[i])) {
    throw new Error(`reference output [${reference.dims.join(', ')}] and model output [${output.dims.join(', ')}] differ in shape; compare models with the same outputs`);
  }
}

export function addDenseBatch(state: DenseState, output: Float32Tensor, reference: Float32Tensor): void {
  sameShape(output, reference);
  const n = output.dims[0] ?? 1;
  const per = output.data.length / n;
  for (let i = 0; i < output.data.length; i++) {
    const r = reference.data[i]!;
    state.squaredError += (output.data[i]! - r) ** 2;
    if (r < state.min) state.min = r;
    if (r > state.max) state.max = r;
  }
  for (let i = 0; i < n; i++) state.cosineSum += cosine(reference.data.subarray(i * per, (i + 1) * per), output.data.subarray(i * per, (i + 1) * per));
  state.values += output.data.length;
  state.images += n;
}

/** Undefined before any batch. */
export function summarizeDense(state: DenseState): DenseSummary | undefined {
  if (!state.values) return undefined;
  const mse = state.squaredError / state.values;
  const psnrRange = state.max - state.min;
  const s: DenseSummary = { mse, psnrRange, cosine: state.cosineSum / state.images };
  if (psnrRange > 0) s.psnr = mse === 0 ? Infinity : 10 * Math.log10((psnrRange * psnrRange) / mse);
  return s;
}

/** Confusion counts of per-pixel classes: confusion[target * classes + predicted]. */
export interface SegmentationState {
  classes: number;
  confusion: Float64Array;
  /** Images compared with label masks; the others with the reference's argmax. */
  labelled: number;
  images: number;
}

export interface SegmentationSummary {
  pixelAccuracy: number;
  /** Mean IoU over the classes present in the prediction or the target. */
  miou: number;
  /** How many classes the mean is over. */
  miouClasses: number;
  /** Images scored against label masks (the rest against the unpruned model's masks). */
  labelledImages: number;
  images: number;
}

export function createSegmentation(): SegmentationState {
  return { classes: 0, confusion: new Float64Array(0), labelled: 0, images: 0 };
}

/** Adds per-pixel class maps (equal lengths, predictions in [0, classes)); targets outside [0, classes) — 255, "ignore" — are not counted. */
export function addClassMaps(state: SegmentationState, classes: number, predicted: ArrayLike<number>, target: ArrayLike<number>): void {
  if (predicted.length !== target.length) throw new Error(`class maps differ in size: ${predicted.length} and ${target.length} pixels`);
  if (state.classes === 0) {
    state.classes = classes;
    state.confusion = new Float64Array(classes * classes);
  } else if (state.classes !== classes) {
    throw new Error(`segmentation batches differ in class count: ${state.classes} and ${classes}`);
  }
  for (let p = 0; p < predicted.length; p++) {
    const t = target[p]!;
    if (t >= 0 && t < classes) state.confusion[t * classes + predicted[p]!]!++;
  }
}

/** Per-pixel argmax over axis 1 of an [N, C, ...] tensor, as N·positions class indices. */
export function argmaxMap(t: Float32Tensor): Int32Array {
  const [n = 1, k = 1] = t.dims;
  const positions = t.data.length / (n * k);
  const map = new Int32Array(n * positions);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < positions; p++) {
      let best = 0;
      let bestValue = -Infinity;
      for (let c = 0; c < k; c++) {
        const v = t.data[(i * k + c) * positions + p]!;
        if (v > bestValue) {
          bestValue = v;
          best = c;
        }
      }
      map[i * positions + p] = best;
    }
  }
  return map;
}

/**
 * Adds an [N, C, H, W] score tensor: image i is compared with its label mask `masks[i]` (H·W class
 * indices, from label-mask.ts) when it has one, else with the reference's argmax (agreement with
 * the unpruned model), else not at all.
 */
export function addSegmentationBatch(state: SegmentationState, output: Float32Tensor, reference?: Float32Tensor, masks?: readonly (ArrayLike<number> | undefined)[]): void {
  if (reference) sameShape(output, reference);
  const n = output.dims[0] ?? 1;
  const positions = output.data.length / (n * (output.dims[1] ?? 1));
  const predicted = argmaxMap(output);
  const fromReference = reference && argmaxMap(reference);
  for (let i = 0; i < n; i++) {
    const mask = masks?.[i];
    if (mask && mask.length !== positions) throw new Error(`label mask of image ${i} has ${mask.length} pixels, the output has ${positions}`);
    const target = mask ?? fromReference?.subarray(i * positions, (i + 1) * positions);
    if (!target) continue;
    addClassMaps(state, output.dims[1] ?? 1, predicted.subarray(i * positions, (i + 1) * positions), target);
    state.images++;
    if (mask) state.labelled++;
  }
}

/** Undefined before any pixel. */
export function summarizeSegmentation(state: SegmentationState): SegmentationSummary | undefined {
  const k = state.classes;
  let total = 0;
  let correct = 0;
  let iouSum = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    let targetCount = 0;
    let predictedCount = 0;
    for (let j = 0; j < k; j++) {
      targetCount += state.confusion[c * k + j]!;
      predictedCount += state.confusion[j * k + c]!;
    }
    const tp = state.confusion[c * k + c]!;
    total += targetCount;
    correct += tp;
    const union = targetCount + predictedCount - tp;
    if (union > 0) {
      iouSum += tp / union;
      present++;
    }
  }
  if (!total) return undefined;
  return { pixelAccuracy: correct / total, miou: iouSum / present, miouClasses: present, labelledImages: state.labelled, images: state.images };
}

/** Metrics of one graph output, by its task kind; only the kind's own fields are set. */
export interface OutputMetricsSummary {
  name: string;
  kind: TaskKind;
  class?: AgreementSummary;
  dense?: DenseSummary;
  segmentation?: SegmentationSummary;
}

export type OutputMetricsState =
  | { name: string; kind: 'class'; state: AgreementState }
  | { name: string; kind: 'dense'; state: DenseState }
  | { name: string; kind: 'segmentation'; state: SegmentationState };

export function createOutputMetrics(name: string, kind: TaskKind): OutputMetricsState {
  if (kind === 'class') return { name, kind, state: createAgreement() };
  if (kind === 'dense') return { name, kind, state: createDense() };
  return { name, kind, state: createSegmentation() };
}

/**
 * Adds one batch: class outputs use the reference and image labels, dense outputs need the
 * reference, segmentation outputs use label masks (per image, at the output's H×W) or the reference.
 */
export function addOutputBatch(m: OutputMetricsState, output: Float32Tensor, reference?: Float32Tensor, labels?: readonly (number | undefined)[], masks?: readonly (ArrayLike<number> | undefined)[]): void {
  if (m.kind === 'class') addAgreementBatch(m.state, output, reference, labels);
  else if (m.kind === 'segmentation') addSegmentationBatch(m.state, output, reference, masks);
  else if (reference) addDenseBatch(m.state, output, reference);
}

export function summarizeOutputMetrics(m: OutputMetricsState): OutputMetricsSummary {
  const s: OutputMetricsSummary = { name: m.name, kind: m.kind };
  if (m.kind === 'class') s.class = summarizeAgreement(m.state);
  else if (m.kind === 'dense') {
    const d = summarizeDense(m.state);
    if (d) s.dense = d;
  } else {
    const g = summarizeSegmentation(m.state);
    if (g) s.segmentation = g;
  }
  return s;
}
