// The data-aware half of low-rank factorisation, on calibration images:
// - inputCovariances: E[x·xᵀ] of each candidate layer's input rows (dense rows, or im2col patches
//   at sampled positions for 2-D convs) in the original model, so that the SVD minimises the
//   layer's output error on what it actually sees (lowrank-factor.ts).
// - refitSecondFactors: with each first factor fixed, the second factor and bias are refit by
//   least squares so that, fed the FACTORISED model's own activations, the layer reproduces the
//   ORIGINAL layer's output (layers in graph order, each seeing the refits before it). A refit is
//   kept only when it lowers that error.
import { buildGraph, constantTensor } from '../graph/ir.js';
import type { ModelProto } from '../onnx/proto.js';
import { tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { seededRandom } from '../random.js';
import { captureTensors, constantInput, editInitializers, nodeNamed, privateCopy, writeNodeInputs } from '../recover/common.js';
import { addConvRows } from '../recover/patch-rows.js';
import { NormalEquations } from '../recover/solve.js';
import type { ImageBatch } from '../score/images.js';
import type { AbortSignalLike, Float32Tensor, ModelRunner } from '../score/runner.js';
import { lowRankCandidates } from './lowrank-layers.js';
import type { FactorisedLayer } from './lowrank.js';

export interface CalibrationContext {
  runner: ModelRunner;
  batches: readonly ImageBatch[];
  signal?: AbortSignalLike;
  /** Conv output positions sampled per layer (default 4096). */
  maxPositions?: number;
  /** Layers whose input rows are longer than this stay data-unaware (default 2304). */
  maxFeatures?: number;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Candidate id → input second-moment matrix (in×in), for the candidates small enough to whiten, and the rows each is estimated from. */
export async function inputCovariances(model: ModelProto, ctx: CalibrationContext): Promise<{ covariances: Map<string, Float64Array>; rows: Map<string, number>; skipped: { node: string; reason: string }[] }> {
  const ir = buildGraph(model);
  const { candidates } = lowRankCandidates(ir);
  const covariances = new Map<string, Float64Array>();
  const rows = new Map<string, number>();
  const skipped: { node: string; reason: string }[] = [];
  const random = seededRandom(ctx.seed ?? 0);
  const limit = ctx.maxFeatures ?? 2304;
  for (const [i, c] of candidates.entries()) {
    ctx.onProgress?.(i, candidates.length);
    if (c.in > limit) {
      skipped.push({ node: c.id, reason: `${c.in} inputs per row is above the whitening limit ${limit}: plain SVD` });
      continue;
    }
    if (c.op === 'Conv' && c.kernel.length !== 2) {
      skipped.push({ node: c.id, reason: 'only 2-D convolutions are whitened: plain SVD' });
      continue;
    }
    const x = c.node.input[0]!;
    const y = c.node.output[0]!;
    const captured = await captureTensors(model, c.op === 'Conv' ? [x, y] : [x], ctx);
    const eq = new NormalEquations(c.in + 1, 0);
    if (c.op === 'Conv') addConvRows(eq, c.node, captured.map((t) => t[x]!), captured.map((t) => t[y]!), c.kernel, ctx.maxPositions ?? 4096, random);
    else for (const t of captured) forEachRow(t[x]!, c.in, (row) => eq.add(withOne(row), []));
    covariances.set(c.id, secondMoment(eq, c.in));
    rows.set(c.id, eq.rows);
  }
  ctx.onProgress?.(candidates.length, candidates.length);
  return { covariances, rows, skipped };
}

export interface Refit {
  node: string;
  /** Relative output error ‖ŷ − y‖/‖y‖ of the layer on the calibration rows, before and after. */
  errorBefore: number;
  errorAfter: number;
  applied: boolean;
}

/** Refits the second factor (and bias) of every factorised layer; returns a new model. */
export async function refitSecondFactors(original: ModelProto, factorised: ModelProto, layers: readonly FactorisedLayer[], ctx: CalibrationContext): Promise<{ model: ModelProto; refits: Refit[] }> {
  const model = privateCopy(factorised);
  const targets = await captureTensors(original, layers.map((l) => nodeNamed(original, l.node)?.output[0] ?? ''), ctx);
  const random = seededRandom(ctx.seed ?? 1);
  const refits: Refit[] = [];
  for (const [li, l] of layers.entries()) {
    ctx.onProgress?.(li, layers.length);
    const first = nodeNamed(model, l.firstNode)!;
    const second = nodeNamed(model, l.node)!;
    const ir = buildGraph(model);
    const a = tensorToFloat32(constantTensor(ir, l.firstWeight)!);
    const b = tensorToFloat32(constantTensor(ir, l.secondWeight)!);
    const withBias = l.op !== 'MatMul';
    const oldBias = withBias && second.input[2] ? constantInput(ir, second, 2).data : undefined;
    const r = l.rank;
    const kernel = tensorDims(constantTensor(ir, l.firstWeight)!).slice(2);
    if (l.op === 'Conv' && kernel.length !== 2) {
      refits.push({ node: l.node, errorBefore: NaN, errorAfter: NaN, applied: false });
      continue;
    }
    const yName = second.output[0]!;
    const inputs = (await captureTensors(model, [first.input[0]!], ctx)).map((t) => t[first.input[0]!]!);
    const ys = targets.map((t) => t[yName]!);
    const eq = new NormalEquations(r + (withBias ? 1 : 0), l.out);
    let yy = 0;
    const h = new Float64Array(eq.n);
    const project = {
      n: l.in + 1,
      add(row: ArrayLike<number>, y: ArrayLike<number>) {
        for (let q = 0; q < r; q++) {
          let s = 0;
          for (let j = 0; j < l.in; j++) s += a[q * l.in + j]! * row[j]!;
          h[q] = s;
        }
        if (withBias) h[r] = 1;
        for (let o = 0; o < y.length; o++) yy += y[o]! * y[o]!;
        eq.add(h, y);
      },
    };
    if (l.op === 'Conv') addConvRows(project, first, inputs, ys, kernel, ctx.maxPositions ?? 4096, random);
    else inputs.forEach((x, bi) => {
      const y = ys[bi]!;
      let row = 0;
      forEachRow(x, l.in, (values) => project.add(values, y.data.subarray(row * l.out, ++row * l.out)));
    });
    // Current factor as a solution vector [features × out]: second (out×r, or r×out for MatMul) and bias.
    const current = new Float64Array(eq.n * l.out);
    for (let o = 0; o < l.out; o++) {
      for (let q = 0; q < r; q++) current[q * l.out + o] = l.op === 'MatMul' ? b[q * l.out + o]! : b[o * r + q]!;
      if (withBias) current[r * l.out + o] = oldBias ? oldBias[oldBias.length === 1 ? 0 : o]! : 0;
    }
    let solution: Float64Array;
    try {
      solution = eq.solve(1e-5);
    } catch {
      refits.push({ node: l.node, errorBefore: NaN, errorAfter: NaN, applied: false });
      continue;
    }
    const errorBefore = relativeError(eq, current, yy);
    const errorAfter = relativeError(eq, solution, yy);
    const applied = errorAfter < errorBefore;
    refits.push({ node: l.node, errorBefore, errorAfter: applied ? errorAfter : errorBefore, applied });
    if (!applied) continue;
    const newB = new Float32Array(l.out * r);
    for (let o = 0; o < l.out; o++) for (let q = 0; q < r; q++) {
      if (l.op === 'MatMul') newB[q * l.out + o] = solution[q * l.out + o]!;
      else newB[o * r + q] = solution[q * l.out + o]!;
    }
    const dims = l.op === 'MatMul' ? [r, l.out] : l.op === 'Gemm' ? [l.out, r] : [l.out, r, 1, 1];
    editInitializers(model, [{ name: l.secondWeight, dims, data: newB }]);
    // The bias may still be the unfactorised layer's, shared or behind an Identity: written as the layer's own.
    if (withBias) writeNodeInputs(model, second, [{ index: 2, dims: [l.out], data: Float32Array.from({ length: l.out }, (_, o) => solution[r * l.out + o]!) }]);
  }
  ctx.onProgress?.(layers.length, layers.length);
  return { model, refits };
}

/** Calls fn with each row (last axis of length `width`) of a tensor. */
function forEachRow(t: Float32Tensor, width: number, fn: (row: Float32Array) => void): void {
  for (let i = 0; i + width <= t.data.length; i += width) fn(t.data.subarray(i, i + width));
}

function withOne(row: Float32Array): Float64Array {
  const out = new Float64Array(row.length + 1);
  out.set(row);
  out[row.length] = 1;
  return out;
}

/** XᵀX/rows of the first `n` features of normal equations over rows [x, 1]. */
function secondMoment(eq: NormalEquations, n: number): Float64Array {
  const c = new Float64Array(n * n);
  const rows = Math.max(eq.rows, 1);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    const v = eq.xtx[i * eq.n + j]! / rows;
    c[i * n + j] = v;
    c[j * n + i] = v;
  }
  return c;
}

/** ‖X·B − Y‖/‖Y‖ from the normal equations: ‖XB−Y‖² = tr(BᵀXᵀXB) − 2tr(BᵀXᵀY) + ‖Y‖². */
function relativeError(eq: NormalEquations, b: Float64Array, yy: number): number {
  const { n, m } = eq;
  let quad = 0;
  let cross = 0;
  for (let o = 0; o < m; o++) {
    for (let i = 0; i < n; i++) {
      const bi = b[i * m + o]!;
      if (bi === 0) continue;
      cross += bi * eq.xty[i * m + o]!;
      let s = 0;
      for (let j = 0; j < n; j++) s += (i >= j ? eq.xtx[i * n + j]! : eq.xtx[j * n + i]!) * b[j * m + o]!;
      quad += bi * s;
    }
  }
  return yy === 0 ? 0 : Math.sqrt(Math.max(quad - 2 * cross + yy, 0) / yy);
}
