// Refit of the weights a sparsification kept, SparseGPT-style (Frantar & Alistarh 2023), one layer
// at a time: with H = E[x·xᵀ] + λI the layer's input second moment on calibration images
// (lowrank-data.ts: dense rows, or im2col patches for 2-D convs), the pruned weights of each row are
// removed column by column and the error each removal causes is compensated by the row's later
// columns through the upper Cholesky factor U of H⁻¹ (the optimal-brain-surgeon update):
// row[j:] −= (row[j] / U[j,j]) · U[j, j:]. Zeros stay zero (a column is never touched after its
// turn), so the pattern holds. O(n³) per layer once, plus O(rows·n²). A layer keeps the refit only
// when it lowers E‖x·(w_new − w)‖².
import type { ModelProto } from '../onnx/proto.js';
import { buildGraph } from '../graph/ir.js';
import { tensorToFloat32 } from '../onnx/tensor.js';
import { privateCopy, setInitializer } from '../recover/common.js';
import { choleskyLower } from '../recover/solve.js';
import { inputCovariances, type CalibrationContext } from './lowrank-data.js';
import { sparseLayers, type SparseLayer } from './sparse-layers.js';

export interface SparseRefit {
  node: string;
  /** E‖x·(w_sparse − w)‖² summed over rows, over E‖x·w‖² (relative output error²), before and after. */
  errorBefore: number;
  errorAfter: number;
  /** Rows updated (all of the layer's, or 0 when the refit did not help). */
  rowsRefit: number;
}

/** Calibration rows per input a layer's second moment needs before its weights are refit. */
const MIN_ROWS_PER_INPUT = 4;

/** Element index → (row = output, column = position in the layer's input row). */
function rowCol(l: SparseLayer): (i: number) => [number, number] {
  const per = l.dims[l.axis]! * l.inner;
  const rowMajor = l.op === 'Conv' || l.axis === 1;
  return rowMajor ? (i) => [Math.floor(i / per), i % per] : (i) => [i % l.inner, Math.floor(i / l.inner)];
}

/**
 * U upper triangular with UᵀU = H⁻¹, in two O(n³/3) passes: with J the reversal permutation and
 * JHJ = KKᵀ (Cholesky), H⁻¹ = J·K⁻ᵀ·K⁻¹·J, so U = J·K⁻¹·J (the inverse of a lower triangle is lower;
 * reversed on both sides it is upper).
 */
function inverseCholeskyUpper(h: Float64Array, n: number): Float64Array {
  const reversed = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) reversed[i * n + j] = h[(n - 1 - i) * n + (n - 1 - j)]!;
  const k = choleskyLower(reversed, n, 0, 'the input second moment is not positive definite');
  const kt = new Float64Array(n * n); // Kᵀ, so that the inner loop below reads contiguously
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) kt[j * n + i] = k[i * n + j]!;
  // X = K⁻¹ row by row from X·K = I: X[i][j] = −Σ_{j<m≤i} X[i][m]·K[m][j] / K[j][j], j descending.
  const x = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    x[row + i] = 1 / k[row + i]!;
    for (let j = i - 1; j >= 0; j--) {
      let s = 0;
      const col = j * n;
      for (let m = j + 1; m <= i; m++) s += x[row + m]! * kt[col + m]!;
      x[row + j] = -s / k[j * n + j]!;
    }
  }
  const u = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = a; b < n; b++) u[a * n + b] = x[(n - 1 - a) * n + (n - 1 - b)]!;
  return u;
}

/** dᵀCd for a dense vector d. */
function quad(c: Float64Array, n: number, d: Float64Array): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (d[i] === 0) continue;
    let r = 0;
    for (let j = 0; j < n; j++) r += c[i * n + j]! * d[j]!;
    s += d[i]! * r;
  }
  return s;
}

/**
 * Refits the kept weights of `sparse` (masks: weight → kept flags) toward `original`'s layers on the
 * calibration images. Layers whose covariance is not computed (grouped convs, fp16, too wide) stay.
 */
export async function refitSparse(original: ModelProto, sparse: ModelProto, masks: ReadonlyMap<string, Uint8Array>, ctx: CalibrationContext): Promise<{ model: ModelProto; refits: SparseRefit[]; skipped: { node: string; reason: string }[] }> {
  const { covariances, rows: samples, skipped } = await inputCovariances(original, ctx);
  const ir = buildGraph(original);
  const out = privateCopy(sparse);
  const refits: SparseRefit[] = [];
  for (const l of sparseLayers(ir).layers) {
    const keep = masks.get(l.weight);
    const cov = covariances.get(l.node);
    if (keep && l.op === 'ConvTranspose') skipped.push({ node: l.node, reason: 'ConvTranspose weights are masked, not refit (train them: --recover distill)' });
    if (!keep || !cov) continue;
    const n = Math.round(Math.sqrt(cov.length));
    // Fewer rows than ~4 per input leave directions the images never showed; an update along them
    // fits the calibration set and hurts every other image (measured: VGG's 1568-wide Gemm on 256 images).
    if ((samples.get(l.node) ?? 0) < MIN_ROWS_PER_INPUT * n) {
      skipped.push({ node: l.node, reason: `${samples.get(l.node) ?? 0} calibration rows for ${n} inputs (needs ${MIN_ROWS_PER_INPUT * n}): give more images` });
      continue;
    }
    const full = tensorToFloat32(ir.initializers.get(l.weight)!);
    const at = rowCol(l);
    const rows = Array.from({ length: l.outputs }, () => ({ w: new Float64Array(n), keep: new Uint8Array(n), index: new Int32Array(n) }));
    for (let i = 0; i < full.length; i++) {
      const [r, c] = at(i);
      rows[r]!.w[c] = full[i]!;
      rows[r]!.index[c] = i;
      rows[r]!.keep[c] = keep[i]!;
    }
    let mean = 0;
    for (let i = 0; i < n; i++) mean += cov[i * n + i]!;
    const h = Float64Array.from(cov);
    const lambda = 1e-2 * (mean / n || 1);
    for (let i = 0; i < n; i++) h[i * n + i] = h[i * n + i]! + lambda;
    const u = inverseCholeskyUpper(h, n);
    const refitted = Float32Array.from(full);
    let before = 0;
    let after = 0;
    let norm = 0;
    for (const row of rows) {
      const w = Float64Array.from(row.w);
      for (let j = 0; j < n; j++) {
        if (row.keep[j]) continue;
        const e = w[j]! / u[j * n + j]!;
        for (let k = j; k < n; k++) w[k] = w[k]! - e * u[j * n + k]!;
        w[j] = 0;
      }
      norm += quad(cov, n, row.w);
      before += quad(cov, n, row.w.map((v, c) => (row.keep[c] ? 0 : -v)));
      after += quad(cov, n, w.map((v, c) => v - row.w[c]!));
      for (let c = 0; c < n; c++) refitted[row.index[c]!] = w[c]!;
    }
    const applied = after < before;
    if (applied) setInitializer(out, l.weight, l.dims, refitted);
    refits.push({ node: l.node, errorBefore: before / (norm || 1), errorAfter: (applied ? after : before) / (norm || 1), rowsRefit: applied ? rows.length : 0 });
  }
  return { model: out, refits, skipped };
}
