// How closely a pruned model follows the original on the same images, accumulated batch by batch:
// top-1/top-5 agreement, accuracy against labels, KL(original‖pruned) of the softmax, cosine
// similarity of raw outputs, and per-pixel argmax agreement for dense (segmentation-style) outputs.
import type { Float32Tensor } from '../float32-tensor.js';

/** Running totals; create with createAgreement(), feed with addAgreementBatch(), read with summarizeAgreement(). */
export interface AgreementState {
  images: number;
  /** Images with a reference output (agreement metrics are over these). */
  compared: number;
  top1Agree: number;
  top5Agree: number;
  /** Images where top-5 was defined (≥ 5 classes). */
  top5Compared: number;
  labelled: number;
  correct: number;
  referenceCorrect: number;
  klSum: number;
  cosineSum: number;
  pixels: number;
  pixelAgree: number;
  dense: boolean | undefined;
}

/** What one image contributed (for per-image reports). */
export interface ImageAgreement {
  /** Model's top-1 class (classifiers) — undefined for dense outputs. */
  top1?: number;
  referenceTop1?: number;
  label?: number;
  kl?: number;
  cosine?: number;
  /** Fraction of pixels whose argmax class matches the reference (dense outputs). */
  pixelAgreement?: number;
}

/** Final numbers; a metric is absent when nothing it needs was seen (no reference, no labels, ...). */
export interface AgreementSummary {
  images: number;
  accuracy?: number;
  referenceAccuracy?: number;
  agreement?: number;
  top5Agreement?: number;
  kl?: number;
  cosine?: number;
  pixelAgreement?: number;
}

/** Fresh totals. */
export function createAgreement(): AgreementState {
  return { images: 0, compared: 0, top1Agree: 0, top5Agree: 0, top5Compared: 0, labelled: 0, correct: 0, referenceCorrect: 0, klSum: 0, cosineSum: 0, pixels: 0, pixelAgree: 0, dense: undefined };
}

/** [batch, classes, positions] view of an output whose class axis is 1 (trailing dims are positions). */
function layout(t: Float32Tensor, what: string) {
  if (t.dims.length < 2) throw new Error(`${what} output has shape [${t.dims.join(', ')}]; expected [N, classes, ...]`);
  const [n, k] = t.dims as [number, number];
  const positions = t.dims.slice(2).reduce((a, b) => a * b, 1);
  return { n, k, positions };
}

/** Index of the largest value among data[offset + j*stride], j < k. */
function argmax(data: Float32Array, offset: number, k: number, stride: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let j = 0; j < k; j++) {
    const v = data[offset + j * stride]!;
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}

/** True when class `cls` is among the 5 largest of a row (ties counted in its favour). */
function inTop5(row: Float32Array, cls: number): boolean {
  const v = row[cls]!;
  let larger = 0;
  for (let j = 0; j < row.length; j++) if (row[j]! > v) larger++;
  return larger < 5;
}

/** log-softmax of a row, computed stably. */
function logSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(row, (v) => v - lse);
}

/** KL(p‖q) from two log-probability rows. */
function kl(logP: Float64Array, logQ: Float64Array): number {
  let s = 0;
  for (let j = 0; j < logP.length; j++) s += Math.exp(logP[j]!) * (logP[j]! - logQ[j]!);
  return Math.max(0, s);
}

/** Cosine similarity of two equally long vectors (1 for two zero vectors). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 && nb === 0 ? 1 : dot / (Math.sqrt(na * nb) || 1);
}

/**
 * Adds one batch. `output` is the evaluated model's output, `reference` the original's on the same
 * images (optional), `labels` the true class per image (undefined entries: unlabelled). Outputs are
 * [N, classes] (or [N, classes, 1, 1]) for classifiers, [N, classes, H, W] for dense outputs.
 * Returns each image's contribution.
 */
export function addAgreementBatch(state: AgreementState, output: Float32Tensor, reference?: Float32Tensor, labels?: readonly (number | undefined)[]): ImageAgreement[] {
  const { n, k, positions } = layout(output, 'model');
  if (reference) {
    const r = layout(reference, 'reference');
    if (r.n !== n || r.k !== k || r.positions !== positions) {
      throw new Error(`reference output [${reference.dims.join(', ')}] and model output [${output.dims.join(', ')}] differ in shape; compare models with the same outputs`);
    }
  }
  const dense = positions > 1;
  if (state.dense !== undefined && state.dense !== dense) throw new Error('batches mix dense and classifier outputs');
  state.dense = dense;
  const per = k * positions;
  const rows: ImageAgreement[] = [];
  for (let i = 0; i < n; i++) {
    const out = output.data.subarray(i * per, (i + 1) * per);
    const ref = reference?.data.subarray(i * per, (i + 1) * per);
    const label = labels?.[i];
    const row: ImageAgreement = label !== undefined ? { label } : {};
    if (!dense) {
      row.top1 = argmax(out, 0, k, 1);
      if (label !== undefined) {
        state.labelled++;
        if (row.top1 === label) state.correct++;
      }
      if (ref) {
        row.referenceTop1 = argmax(ref, 0, k, 1);
        if (row.top1 === row.referenceTop1) state.top1Agree++;
        if (label !== undefined && row.referenceTop1 === label) state.referenceCorrect++;
        if (k >= 5) {
          state.top5Compared++;
          if (inTop5(out, row.referenceTop1)) state.top5Agree++;
        }
        row.kl = kl(logSoftmax(ref), logSoftmax(out));
        state.klSum += row.kl;
      }
    } else if (ref) {
      let agree = 0;
      for (let p = 0; p < positions; p++) if (argmax(out, p, k, positions) === argmax(ref, p, k, positions)) agree++;
      row.pixelAgreement = agree / positions;
      state.pixels += positions;
      state.pixelAgree += agree;
    }
    if (ref) {
      row.cosine = cosine(ref, out);
      state.cosineSum += row.cosine;
      state.compared++;
    }
    state.images++;
    rows.push(row);
  }
  return rows;
}

/** The metrics so far (fractions in [0, 1]; kl in nats, mean per image). */
export function summarizeAgreement(state: AgreementState): AgreementSummary {
  const s: AgreementSummary = { images: state.images };
  if (state.labelled) {
    s.accuracy = state.correct / state.labelled;
    if (state.compared) s.referenceAccuracy = state.referenceCorrect / state.labelled;
  }
  if (state.compared) {
    if (!state.dense) {
      s.agreement = state.top1Agree / state.compared;
      if (state.top5Compared) s.top5Agreement = state.top5Agree / state.top5Compared;
      s.kl = state.klSum / state.compared;
    } else {
      s.pixelAgreement = state.pixelAgree / state.pixels;
    }
    s.cosine = state.cosineSum / state.compared;
  }
  return s;
}

/** Summary of per-image latencies in milliseconds. */
export interface LatencySummary {
  median: number;
  mean: number;
  p90: number;
  min: number;
  max: number;
  samples: number;
}

/** Median, mean, 90th percentile (nearest rank), min and max of `ms` (which must not be empty). */
export function summarizeLatency(ms: readonly number[]): LatencySummary {
  if (!ms.length) throw new Error('no latency samples to summarise');
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    median,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    p90: sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)]!,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    samples: sorted.length,
  };
}
