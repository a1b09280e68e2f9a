// thinSvd against numpy.linalg.svd (LAPACK) on random, rectangular both ways, rank-deficient and
// ill-conditioned (σ from 1 down to 1e-12) matrices, and the factor products that factorisation
// relies on (exact at full rank however ill-conditioned).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { layerSpectrum } from './lowrank-factor.js';
import { gramColumns, gramRows, symmetricEigenvalues, thinSvd } from './svd.js';

const PYTHON = `
import json, sys, numpy as np
rng = np.random.default_rng(7)
cases = []
def add(name, a):
    s = np.linalg.svd(a, compute_uv=False)
    cases.append({"name": name, "m": a.shape[0], "n": a.shape[1], "a": a.ravel().tolist(), "s": s.tolist()})
add("random 20x50", rng.standard_normal((20, 50)))
add("random 60x17", rng.standard_normal((60, 17)))
add("square 33", rng.standard_normal((33, 33)))
low = rng.standard_normal((40, 5)) @ rng.standard_normal((5, 30))
add("rank 5 of 40x30", low)
for m, n in [(24, 40), (40, 24)]:
    u, _ = np.linalg.qr(rng.standard_normal((m, m)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    k = min(m, n)
    s = np.logspace(0, -12, k)
    add(f"ill-conditioned {m}x{n} (cond 1e12)", (u[:, :k] * s) @ v[:, :k].T)
print(json.dumps(cases))
`;

interface Case { name: string; m: number; n: number; a: number[]; s: number[] }
const cases = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PYTHON], { encoding: 'utf8', maxBuffer: 1 << 26 })) as Case[];

describe.each(cases)('thinSvd on $name', ({ m, n, a, s: want }) => {
  const svd = thinSvd(a, m, n);
  const s1 = want[0]!;
  it('has numpy’s singular values to the Gram route’s bound |Δσ| ≤ 100·ε·σ₁²/σ, and ≤ 1e-7·σ₁ (see svd.ts)', () => {
    expect(svd.s.length).toBe(want.length);
    want.forEach((w, i) => {
      const err = Math.abs(svd.s[i]! - w);
      expect(err).toBeLessThan(1e-7 * s1);
      if (w > 1e-6 * s1) expect(err).toBeLessThan(100 * 2.2e-16 * (s1 * s1) / w + 1e-12 * s1);
      // Well above the noise floor of float32 weights, σ is close to exact.
      if (w > 1e-3 * s1) expect(err / w).toBeLessThan(1e-8);
    });
  });
  it('eigenvalues alone (no eigenvectors) of the Gram matrix give numpy’s singular values to the same bound', () => {
    const gram = m <= n ? gramRows(a, m, n) : gramColumns(a, m, n);
    const sigma = symmetricEigenvalues(gram, Math.min(m, n)).map((v) => Math.sqrt(Math.max(v, 0)));
    want.forEach((w, i) => {
      const err = Math.abs(sigma[i]! - w);
      expect(err).toBeLessThan(1e-7 * s1);
      if (w > 1e-3 * s1) expect(err / w).toBeLessThan(1e-8);
    });
  });
  it('reconstructs the matrix and has orthonormal singular vectors where σ is significant', () => {
    const { k, u, vt } = svd;
    let worst = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let c = 0; c < k; c++) acc += u[i * k + c]! * svd.s[c]! * vt[c * n + j]!;
      worst = Math.max(worst, Math.abs(acc - a[i * n + j]!));
    }
    expect(worst).toBeLessThan(1e-9 * s1);
    const significant = [...svd.s].filter((x) => x > 1e-4 * s1).length;
    for (let c = 0; c < significant; c++) for (let d = 0; d <= c; d++) {
      let uu = 0;
      let vv = 0;
      for (let i = 0; i < m; i++) uu += u[i * k + c]! * u[i * k + d]!;
      for (let j = 0; j < n; j++) vv += vt[c * n + j]! * vt[d * n + j]!;
      expect(Math.abs(uu - (c === d ? 1 : 0))).toBeLessThan(1e-6);
      expect(Math.abs(vv - (c === d ? 1 : 0))).toBeLessThan(1e-6);
    }
  });
  it('gives factors whose product is the matrix at full rank and the best rank-r error below it', () => {
    const w = Float32Array.from(a);
    const spectrum = layerSpectrum(w, m, n);
    const k = Math.min(m, n);
    for (const r of [k, Math.max(1, Math.floor(k / 3))]) {
      const { first, second } = spectrum.factors(r);
      let err = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let c = 0; c < r; c++) acc += second[i * r + c]! * first[c * n + j]!;
        err += (acc - w[i * n + j]!) ** 2;
      }
      // Eckart–Young: the error of the best rank-r approximation is the energy of the dropped σ.
      const dropped = want.slice(r).reduce((t, x) => t + x * x, 0);
      expect(Math.sqrt(err)).toBeLessThan(Math.sqrt(dropped) * (1 + 1e-4) + 1e-5 * s1);
    }
  });
});

describe('data-aware spectrum', () => {
  it('is the spectrum of W·L (C = L·Lᵀ) on both sides, and full rank still reproduces W', () => {
    for (const [out, inn] of [[6, 10], [10, 6]] as const) {
      const w = Float32Array.from({ length: out * inn }, (_, i) => Math.sin(i * 1.3) + 0.1 * i / (out * inn));
      // C = XᵀX / N for a few correlated rows.
      const rows = Array.from({ length: 50 }, (_, r) => Array.from({ length: inn }, (_, j) => Math.cos(r * 0.7 + j) * (j + 1)));
      const c = new Float64Array(inn * inn);
      for (const x of rows) for (let i = 0; i < inn; i++) for (let j = 0; j < inn; j++) c[i * inn + j] = c[i * inn + j]! + (x[i]! * x[j]!) / rows.length;
      const spectrum = layerSpectrum(w, out, inn, c);
      // σ² = eigenvalues of W·C·Wᵀ: their sum is tr(W·C·Wᵀ).
      let trace = 0;
      for (let i = 0; i < out; i++) for (let a = 0; a < inn; a++) for (let b = 0; b < inn; b++) trace += w[i * inn + a]! * c[a * inn + b]! * w[i * inn + b]!;
      const energy = [...spectrum.sigma].reduce((t, s) => t + s * s, 0);
      expect(Math.abs(energy - trace) / trace).toBeLessThan(1e-4);
      const k = Math.min(out, inn);
      const { first, second } = spectrum.factors(k);
      for (let i = 0; i < out; i++) for (let j = 0; j < inn; j++) {
        let acc = 0;
        for (let q = 0; q < k; q++) acc += second[i * k + q]! * first[q * inn + j]!;
        expect(acc).toBeCloseTo(w[i * inn + j]!, 4);
      }
    }
  });
});

describe('symmetricEigenvalues on small cases', () => {
  it('1×1, zero, diagonal and a known 2×2 matrix', () => {
    expect(Array.from(symmetricEigenvalues(Float64Array.from([5]), 1))).toEqual([5]);
    expect(Array.from(symmetricEigenvalues(new Float64Array(9), 3))).toEqual([0, 0, 0]);
    expect(Array.from(symmetricEigenvalues(Float64Array.from([1, 0, 0, 0, 3, 0, 0, 0, 2]), 3))).toEqual([3, 2, 1]);
    const [hi, lo] = symmetricEigenvalues(Float64Array.from([2, 1, 1, 2]), 2);
    expect(hi).toBeCloseTo(3, 12);
    expect(lo).toBeCloseTo(1, 12);
  });
});
