// Singular values and vectors of a layer's weight matrix, for low-rank factorisation.
//
// Computed from the Gram matrix of the smaller side (A·Aᵀ or Aᵀ·A, float64) and its symmetric
// eigendecomposition (ml-matrix, pure JS). That is ~10× faster than ml-matrix's own SVD on
// 64×1568 and keeps the thing factorisation needs exact: the factors are products with the
// original matrix (Uᵀ·A, A·V), so at full rank U·(Uᵀ·A) = A to rounding, however ill-conditioned A
// is. What the Gram route gives up is relative accuracy of the smallest singular values: each σ is
// accurate to about √ε·σ₁ ≈ 1e-8·σ₁ in absolute terms (ε = 2⁻⁵²). Float32 weights hold only ~6e-8
// relative precision, so singular values below that are noise in the weights themselves, and
// rank selection never keeps them (svd.test.ts checks both against numpy).
import { EVD, Matrix } from 'ml-matrix';

/** Eigenvalues (descending) and eigenvectors (columns, n×n row-major) of a symmetric matrix. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(n);
    // Symmetrise: the Gram matrices are built from the lower triangle and rounding can differ.
    for (let j = 0; j < n; j++) row[j] = (a[i * n + j]! + a[j * n + i]!) / 2;
    rows.push(row);
  }
  const evd = new EVD(new Matrix(rows), { assumeSymmetric: true });
  const ascending = evd.realEigenvalues;
  const v = evd.eigenvectorMatrix;
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const src = n - 1 - k; // ml-matrix sorts ascending
    values[k] = ascending[src]!;
    for (let i = 0; i < n; i++) vectors[i * n + k] = v.get(i, src);
  }
  return { values, vectors };
}

/**
 * Eigenvalues (descending) of a symmetric matrix (only its lower triangle is read), without the
 * eigenvectors: Householder reduction to tridiagonal form and the implicit QL iteration with
 * Wilkinson shifts (Numerical Recipes' tred2/tqli, values-only branches). ml-matrix always
 * accumulates the eigenvectors, several times the work; the spectra of the Rank tab and the rank
 * choice need values only (measured on a 768×768 Gram matrix: see docs/compress.md).
 */
export function symmetricEigenvalues(source: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(source);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    const row = i * n;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(a[row + k]!);
      if (scale === 0) {
        e[i] = a[row + l]!;
      } else {
        for (let k = 0; k <= l; k++) {
          a[row + k] = a[row + k]! / scale;
          h += a[row + k]! * a[row + k]!;
        }
        let f = a[row + l]!;
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        a[row + l] = f - g;
        f = 0;
        for (let j = 0; j <= l; j++) {
          g = 0;
          for (let k = 0; k <= j; k++) g += a[j * n + k]! * a[row + k]!;
          for (let k = j + 1; k <= l; k++) g += a[k * n + j]! * a[row + k]!;
          e[j] = g / h;
          f += e[j]! * a[row + j]!;
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          f = a[row + j]!;
          g = e[j]! - hh * f;
          e[j] = g;
          for (let k = 0; k <= j; k++) a[j * n + k] = a[j * n + k]! - (f * e[k]! + g * a[row + k]!);
        }
      }
    } else {
      e[i] = a[row + l]!;
    }
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i]!;
  // QL on the tridiagonal matrix (diagonal d, sub-diagonal e shifted to e[0 … n−2]).
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    for (let iter = 0; ; iter++) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) + dd === dd) break;
      }
      if (m === l) break;
      if (iter === 60) throw new Error('symmetric eigenvalues: no convergence after 60 QL iterations');
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let underflow = false;
      for (let i = m - 1; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // Recover from underflow: deflate and iterate again.
          d[i + 1] = d[i + 1]! - p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (underflow) continue;
      d[l] = d[l]! - p;
      e[l] = g;
      e[m] = 0;
    }
  }
  return d.sort().reverse();
}

/** A·Aᵀ (m×m) of a row-major m×n matrix, in float64. */
export function gramRows(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const g = new Float64Array(m * m);
  const rows = Array.from({ length: m }, (_, i) => Float64Array.from({ length: n }, (_, j) => a[i * n + j]!));
  const put = (i: number, j: number, v: number) => {
    g[i * m + j] = v;
    g[j * m + i] = v;
  };
  for (let i = 0; i < m; i++) {
    const ri = rows[i]!;
    let j = 0;
    // Four dot products per pass over row i: each of its values is read once for four rows
    // (1.65× faster on 768×3072 than one at a time; same sums, same order).
    for (; j + 3 <= i; j += 4) {
      const [r0, r1, r2, r3] = [rows[j]!, rows[j + 1]!, rows[j + 2]!, rows[j + 3]!];
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < n; k++) {
        const v = ri[k]!;
        s0 += v * r0[k]!;
        s1 += v * r1[k]!;
        s2 += v * r2[k]!;
        s3 += v * r3[k]!;
      }
      put(i, j, s0);
      put(i, j + 1, s1);
      put(i, j + 2, s2);
      put(i, j + 3, s3);
    }
    for (; j <= i; j++) {
      const rj = rows[j]!;
      let s = 0;
      for (let k = 0; k < n; k++) s += ri[k]! * rj[k]!;
      put(i, j, s);
    }
  }
  return g;
}

/** Aᵀ·A (n×n) of a row-major m×n matrix, in float64. */
export function gramColumns(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const g = new Float64Array(n * n);
  const row = new Float64Array(n);
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < n; j++) row[j] = a[r * n + j]!;
    for (let i = 0; i < n; i++) {
      const v = row[i]!;
      if (v === 0) continue;
      const base = i * n;
      for (let j = 0; j <= i; j++) g[base + j] = g[base + j]! + v * row[j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) g[i * n + j] = g[j * n + i]!;
  return g;
}

/** Thin SVD A = U·diag(s)·Vᵀ of a row-major m×n matrix; k = min(m, n) components, s descending. */
export interface ThinSvd {
  m: number;
  n: number;
  k: number;
  /** m×k, row-major, orthonormal columns. */
  u: Float64Array;
  s: Float64Array;
  /** k×n, row-major; rows of zero singular values are zero. */
  vt: Float64Array;
}

/** The thin SVD of `a` (m×n, row-major), through the eigendecomposition of its smaller Gram matrix. */
export function thinSvd(a: ArrayLike<number>, m: number, n: number): ThinSvd {
  const k = Math.min(m, n);
  const u = new Float64Array(m * k);
  const vt = new Float64Array(k * n);
  const s = new Float64Array(k);
  if (m <= n) {
    const { values, vectors } = symmetricEigen(gramRows(a, m, n), m);
    for (let c = 0; c < k; c++) {
      s[c] = Math.sqrt(Math.max(values[c]!, 0));
      for (let i = 0; i < m; i++) u[i * k + c] = vectors[i * m + c]!;
    }
    // Vᵀ = diag(1/s)·Uᵀ·A
    for (let c = 0; c < k; c++) {
      if (s[c] === 0) continue;
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let i = 0; i < m; i++) acc += u[i * k + c]! * a[i * n + j]!;
        vt[c * n + j] = acc / s[c]!;
      }
    }
  } else {
    const { values, vectors } = symmetricEigen(gramColumns(a, m, n), n);
    for (let c = 0; c < k; c++) {
      s[c] = Math.sqrt(Math.max(values[c]!, 0));
      for (let j = 0; j < n; j++) vt[c * n + j] = vectors[j * n + c]!;
    }
    // U = A·V·diag(1/s)
    for (let i = 0; i < m; i++) for (let c = 0; c < k; c++) {
      if (s[c] === 0) continue;
      let acc = 0;
      for (let j = 0; j < n; j++) acc += a[i * n + j]! * vt[c * n + j]!;
      u[i * k + c] = acc / s[c]!;
    }
  }
  return { m, n, k, u, s, vt };
}
