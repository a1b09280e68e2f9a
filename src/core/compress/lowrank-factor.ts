// The factors of one weight matrix W (out×in, row-major) at a chosen rank r: W ≈ second·first with
// first r×in and second out×r. Plain: the truncated SVD of W. Data-aware (input covariance C):
// the truncated SVD of W·L with C = L·Lᵀ, which minimises the OUTPUT error E‖(W − Ŵ)x‖² on the
// calibration inputs instead of ‖W − Ŵ‖ (ranks follow what the layer actually sees).
//
// Both sides come from the Gram matrix of the smaller dimension (svd.ts), and the factors are
// products with W itself, so at full rank second·first = W to rounding:
// - out ≤ in: U = eigenvectors of W·C·Wᵀ (C = I when plain); first = U_rᵀ·W, second = U_r.
// - out > in: V = eigenvectors of Lᵀ·Wᵀ·W·L (L = I when plain); first = V_rᵀ·L⁻¹, second = W·L·V_r.
import { gramColumns, gramRows, symmetricEigen, symmetricEigenvalues } from './svd.js';

export interface LayerSpectrum {
  out: number;
  in: number;
  /** Singular values of W (or W·L), descending; min(out, in) of them. */
  sigma: Float64Array;
  /** The two factors at rank r (1 ≤ r ≤ sigma.length). */
  factors(r: number): { first: Float32Array; second: Float32Array };
}

/** Spectrum and factors of W (out×in); `covariance` (in×in, float64) makes it data-aware. */
export function layerSpectrum(w: Float32Array, out: number, inn: number, covariance?: Float64Array): LayerSpectrum {
  if (out <= inn) {
    const g = covariance ? weightedGram(w, out, inn, covariance) : gramRows(w, out, inn);
    // Values now (spectra and rank choice need no more), eigenvectors only when factors are asked for.
    const sigma = symmetricEigenvalues(g, out).map((v) => Math.sqrt(Math.max(v, 0)));
    let eigenvectors: Float64Array | undefined;
    return {
      out, in: inn, sigma,
      factors(r) {
        const vectors = (eigenvectors ??= symmetricEigen(g, out).vectors);
        const first = new Float32Array(r * inn);
        const second = new Float32Array(out * r);
        for (let c = 0; c < r; c++) {
          const acc = new Float64Array(inn);
          for (let i = 0; i < out; i++) {
            const uic = vectors[i * out + c]!;
            second[i * r + c] = uic;
            if (uic === 0) continue;
            for (let j = 0; j < inn; j++) acc[j] = acc[j]! + uic * w[i * inn + j]!;
          }
          first.set(acc, c * inn);
        }
        return { first, second };
      },
    };
  }
  const l = covariance ? cholesky(covariance, inn) : undefined;
  const m = l ? multiplyLower(w, out, inn, l) : Float64Array.from(w);
  const gram = gramColumns(m, out, inn);
  const sigma = symmetricEigenvalues(gram, inn).slice(0, out).map((v) => Math.sqrt(Math.max(v, 0)));
  let eigenvectors: Float64Array | undefined;
  return {
    out, in: inn, sigma,
    factors(r) {
      const vectors = (eigenvectors ??= symmetricEigen(gram, inn).vectors);
      const vr = new Float64Array(inn * r); // in×r
      for (let j = 0; j < inn; j++) for (let c = 0; c < r; c++) vr[j * r + c] = vectors[j * inn + c]!;
      const second = new Float32Array(out * r);
      for (let i = 0; i < out; i++) for (let c = 0; c < r; c++) {
        let acc = 0;
        for (let j = 0; j < inn; j++) acc += m[i * inn + j]! * vr[j * r + c]!;
        second[i * r + c] = acc;
      }
      const first = new Float32Array(r * inn);
      if (!l) {
        for (let c = 0; c < r; c++) for (let j = 0; j < inn; j++) first[c * inn + j] = vr[j * r + c]!;
      } else {
        // first = V_rᵀ·L⁻¹: each row x solves Lᵀ·xᵀ = v (back substitution on the upper triangle Lᵀ).
        const x = new Float64Array(inn);
        for (let c = 0; c < r; c++) {
          for (let j = inn - 1; j >= 0; j--) {
            let s = vr[j * r + c]!;
            for (let k = j + 1; k < inn; k++) s -= l[k * inn + j]! * x[k]!;
            x[j] = s / l[j * inn + j]!;
          }
          first.set(x, c * inn);
        }
      }
      return { first, second };
    },
  };
}

/** W·C·Wᵀ (out×out) for W out×in and C in×in. */
function weightedGram(w: Float32Array, out: number, inn: number, c: Float64Array): Float64Array {
  const wc = new Float64Array(out * inn);
  for (let i = 0; i < out; i++) for (let k = 0; k < inn; k++) {
    const v = w[i * inn + k]!;
    if (v === 0) continue;
    const base = k * inn;
    for (let j = 0; j < inn; j++) wc[i * inn + j] = wc[i * inn + j]! + v * c[base + j]!;
  }
  const g = new Float64Array(out * out);
  for (let i = 0; i < out; i++) for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let k = 0; k < inn; k++) s += wc[i * inn + k]! * w[j * inn + k]!;
    g[i * out + j] = s;
    g[j * out + i] = s;
  }
  return g;
}

/** Lower-triangular L with L·Lᵀ = C + ridge (ridge 1e-6 × mean diagonal keeps rank-deficient inputs solvable). */
export function cholesky(c: Float64Array, n: number, relativeRidge = 1e-6): Float64Array {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += c[i * n + i]!;
  const ridge = Math.max((relativeRidge * trace) / n, 1e-12);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = c[i * n + j]! + (i === j ? ridge : 0);
    for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
    if (i === j) l[i * n + i] = Math.sqrt(Math.max(s, ridge));
    else l[i * n + j] = s / l[j * n + j]!;
  }
  return l;
}

/** W·L (out×in) for lower-triangular L (in×in). */
function multiplyLower(w: Float32Array, out: number, inn: number, l: Float64Array): Float64Array {
  const m = new Float64Array(out * inn);
  for (let i = 0; i < out; i++) for (let k = 0; k < inn; k++) {
    const v = w[i * inn + k]!;
    if (v === 0) continue;
    for (let j = 0; j <= k; j++) m[i * inn + j] = m[i * inn + j]! + v * l[k * inn + j]!;
  }
  return m;
}
