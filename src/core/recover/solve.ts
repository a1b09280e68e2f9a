// Small dense linear algebra for least-squares reconstruction: normal equations with ridge,
// solved by Cholesky in float64.

/**
 * Lower Cholesky factor L of (A + λI) = LLᵀ for symmetric A (n×n, row-major); throws `notDefinite`
 * when the matrix is not positive definite.
 */
export function choleskyLower(a: Float64Array, n: number, lambda = 0, notDefinite = 'matrix is not positive definite'): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]! + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (s <= 0) throw new Error(notDefinite);
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return l;
}

/** Solves (A + λI) X = B for symmetric positive semi-definite A (n×n, row-major) and B (n×m). */
export function solveRidge(a: Float64Array, b: Float64Array, n: number, m: number, lambda: number): Float64Array {
  const l = choleskyLower(a, n, lambda, 'least-squares system is not positive definite; increase the ridge term');
  const x = new Float64Array(n * m);
  for (let col = 0; col < m; col++) {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = b[i * m + col]!;
      for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
      y[i] = s / l[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k * m + col]!;
      x[i * m + col] = s / l[i * n + i]!;
    }
  }
  return x;
}

/** Accumulates XᵀX (n×n) and XᵀY (n×m) from rows x (length n) and y (length m). */
export class NormalEquations {
  readonly xtx: Float64Array;
  readonly xty: Float64Array;
  rows = 0;
  constructor(readonly n: number, readonly m: number) {
    this.xtx = new Float64Array(n * n);
    this.xty = new Float64Array(n * m);
  }
  add(x: ArrayLike<number>, y: ArrayLike<number>): void {
    const { n, m } = this;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      for (let j = 0; j <= i; j++) this.xtx[i * n + j] = this.xtx[i * n + j]! + xi * x[j]!;
      for (let j = 0; j < m; j++) this.xty[i * m + j] = this.xty[i * m + j]! + xi * y[j]!;
    }
    this.rows++;
  }
  /** Solves with ridge λ = `relative` × mean diagonal (keeps the scale-free); `xty` replaces XᵀY. */
  solve(relative: number, xty: Float64Array = this.xty): Float64Array {
    const { n } = this;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) this.xtx[i * n + j] = this.xtx[j * n + i]!;
    let trace = 0;
    for (let i = 0; i < n; i++) trace += this.xtx[i * n + i]!;
    return solveRidge(this.xtx, xty, n, this.m, Math.max(relative * (trace / n), 1e-12));
  }
}

/**
 * Right-hand side XᵀY′ for a layer whose output feeds a ReLU: where the target is ≤ 0 the ReLU
 * zeroes it, so any prediction ≤ 0 is exact there. Y′ keeps positive targets, takes the current
 * prediction where both are ≤ 0 (no residual) and 0 where the prediction crossed above
 * (majorisation of ‖relu(XW) − relu(Y)‖², one step per pass).
 */
export class RectifiedTargets {
  /** Accumulated per output (m × n, so the inner loops run over contiguous memory); `xty` transposes. */
  private readonly acc: Float64Array;
  private readonly weights: Float64Array;
  private readonly nonZero: Int32Array;
  constructor(readonly n: number, readonly m: number, current: Float64Array) {
    this.nonZero = new Int32Array(n);
    this.acc = new Float64Array(n * m);
    this.weights = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let o = 0; o < m; o++) this.weights[o * n + i] = current[i * m + o]!;
  }
  add(x: ArrayLike<number>, y: ArrayLike<number>): void {
    const { n, m, weights, acc, nonZero } = this;
    // Rows read post-ReLU activations, about half of them 0: loop over the others only.
    let count = 0;
    for (let i = 0; i < n; i++) if (x[i] !== 0) nonZero[count++] = i;
    for (let o = 0; o < m; o++) {
      let target = y[o]!;
      const base = o * n;
      if (target <= 0) {
        let predicted = 0;
        for (let k = 0; k < count; k++) predicted += x[nonZero[k]!]! * weights[base + nonZero[k]!]!;
        target = Math.min(predicted, 0);
      }
      if (target === 0) continue;
      for (let k = 0; k < count; k++) acc[base + nonZero[k]!] = acc[base + nonZero[k]!]! + x[nonZero[k]!]! * target;
    }
  }
  /** XᵀY′ (n × m, as NormalEquations.solve takes it). */
  get xty(): Float64Array {
    const { n, m, acc } = this;
    const out = new Float64Array(n * m);
    for (let o = 0; o < m; o++) for (let i = 0; i < n; i++) out[i * m + o] = acc[o * n + i]!;
    return out;
  }
}

/** An output non-linearity the fit can see through: its value and its slope at z (given f(z)). */
export interface Squash {
  f(z: number): number;
  slope(z: number, fz: number): number;
}

/** Squashing non-linearities a dense head ends with, by the op that applies them. */
export const SQUASHES: Readonly<Record<string, Squash>> = {
  Sigmoid: { f: (z) => 1 / (1 + Math.exp(-z)), slope: (_z, fz) => fz * (1 - fz) },
  Tanh: { f: Math.tanh, slope: (_z, fz) => 1 - fz * fz },
};

/**
 * One Gauss–Newton step of min ‖f(XW) − f(Y)‖² for a layer whose output goes through a squashing f
 * (a Sigmoid image head): linearised at the current prediction z₀, each row is weighted by f′(z₀),
 * so saturated pixels (a background far below 0) stop pulling the fit towards exact pre-activation
 * values nobody sees. Weights differ per output, so each output has its own normal equations.
 * `loss` is the squashed error of the current weights over the rows seen.
 */
export class SquashedStep {
  private readonly eqs: NormalEquations[];
  private readonly row: Float64Array;
  private readonly target = new Float64Array(1);
  loss = 0;
  constructor(readonly n: number, readonly m: number, private readonly current: Float64Array, private readonly squash: Squash) {
    this.eqs = Array.from({ length: m }, () => new NormalEquations(n, 1));
    this.row = new Float64Array(n);
  }
  add(x: ArrayLike<number>, y: ArrayLike<number>): void {
    const { n, m, current, squash, row, target } = this;
    for (let o = 0; o < m; o++) {
      let z = 0;
      for (let i = 0; i < n; i++) z += x[i]! * current[i * m + o]!;
      const fz = squash.f(z);
      const s = squash.slope(z, fz);
      const residual = squash.f(y[o]!) - fz;
      this.loss += residual * residual;
      for (let i = 0; i < n; i++) row[i] = s * x[i]!;
      target[0] = s * z + residual;
      this.eqs[o]!.add(row, target);
    }
  }
  /** The next weights (n × m). */
  solve(relative: number): Float64Array {
    const { n, m } = this;
    const out = new Float64Array(n * m);
    this.eqs.forEach((eq, o) => {
      const w = eq.solve(relative);
      for (let i = 0; i < n; i++) out[i * m + o] = w[i]!;
    });
    return out;
  }
}
