// Least-squares reconstruction (He et al. 2017 channel pruning; AIMET's "channel pruning with
// weight reconstruction"): for each layer that lost input channels, refit its kept input weights
// and bias so that, fed the PRUNED network's activations, it reproduces the UNPRUNED network's
// outputs on the calibration images: min ‖[X_kept 1]·[W'; b'] − Y‖² + λ‖W'‖², solved through the
// normal equations. Convolutions use im2col rows at a bounded random sample of output positions.
// Layers are refit in graph order, each seeing the already-refit layers before it.
import { attrFloat, attrInt, attrInts, attrString } from '../graph/attributes.js';
import { buildGraph } from '../graph/ir.js';
import { resolvePads } from '../score/backward-context.js';
import type { Float32Tensor } from '../score/runner.js';
import { captureTensors, editInitializers, nodeNamed, NOT_REFITTABLE, refittableWeight } from './common.js';
import { prunedInputLayers } from './pruned-inputs.js';
import type { Recovery, RecoveryJob, RecoveryStep } from './recovery.js';
import { NormalEquations } from './solve.js';
import { seededRandom } from '../random.js';

export interface LsqOptions {
  /** Output positions sampled per conv layer (default 4096). */
  maxPositions?: number;
  /** Layers with more unknowns per output than this are skipped (default 1200). */
  maxFeatures?: number;
  /** Ridge, relative to the mean diagonal of XᵀX (default 1e-3). */
  ridge?: number;
  seed?: number;
  /** Also refit layers that lost no input channel but whose input changed (default true). */
  downstream?: boolean;
}

/** Proposes refits of the layers of `job.model` that lost input channels (or whose input changed). */
async function* reconstructLayers({ original, analysis, plan, model: pruned, ctx, lsq: options = {}, onProgress: onLayer }: RecoveryJob): AsyncGenerator<RecoveryStep> {
  const layers = prunedInputLayers(analysis, plan, options.downstream ?? true);
  if (!layers.length) return;
  const targets = await captureTensors(original, layers.map((l) => l.node.output[0]!), ctx);
  const random = seededRandom(options.seed ?? 0);
  for (const [li, layer] of layers.entries()) {
    const id = layer.node.name || layer.node.opType;
    const node = nodeNamed(pruned, layer.node.name);
    onLayer?.(li, layers.length);
    if (!node) {
      yield { node: id, skipped: 'no node of that name in the pruned model' };
      continue;
    }
    const ir = buildGraph(pruned);
    const w = refittableWeight(ir, node);
    if (!w) {
      yield { node: id, skipped: NOT_REFITTABLE };
      continue;
    }
    const isConv = node.opType === 'Conv';
    if (!isConv && (attrFloat(node, 'alpha', 1) !== 1 || attrFloat(node, 'beta', 1) !== 1)) {
      yield { node: id, skipped: 'Gemm with alpha/beta ≠ 1' };
      continue;
    }
    const transB = !isConv && attrInt(node, 'transB', 0) === 0;
    const m = transB ? w.dims[1]! : w.dims[0]!;
    const k = transB ? w.dims[0]! : w.dims[1]!;
    const kernelDims = isConv ? w.dims.slice(2) : [];
    const kernel = kernelDims.reduce((a, d) => a * d, 1);
    const features = k * kernel + 1;
    if (features > (options.maxFeatures ?? 1200)) {
      yield { node: id, skipped: `${features} unknowns per output is above the limit` };
      continue;
    }
    const inputs = (await captureTensors(pruned, [node.input[0]!], ctx)).map((c) => c[node.input[0]!]!);
    const eq = new NormalEquations(features, m);
    if (layer.keptOutputs.length !== m) {
      yield { node: id, skipped: `pruned layer has ${m} outputs, expected ${layer.keptOutputs.length}` };
      continue;
    }
    const ys = targets.map((t) => selectChannels(t[layer.node.output[0]!]!, layer.keptOutputs));
    if (isConv) addConvRows(eq, node, inputs, ys, kernelDims, options.maxPositions ?? 4096, random);
    else addDenseRows(eq, inputs, ys);
    let solution: Float64Array;
    try {
      solution = eq.solve(options.ridge ?? 1e-3);
    } catch (err) {
      yield { node: id, skipped: (err as Error).message };
      continue;
    }
    const newW = new Float32Array(w.data.length);
    for (let o = 0; o < m; o++) for (let f = 0; f < k * kernel; f++) {
      const v = solution[f * m + o]!;
      if (transB) newW[f * m + o] = v; // [K, M]
      else newW[o * k * kernel + f] = v; // [M, K, kh, kw] / [M, K]
    }
    const newBias = Float32Array.from({ length: m }, (_, o) => solution[(features - 1) * m + o]!);
    const biasName = node.input[2] || `${node.name || node.output[0]}__bias`;
    yield {
      node: id,
      apply: () => {
        const inputs = [...node.input];
        node.input[2] = biasName;
        const undo = editInitializers(pruned, [{ name: w.name, dims: w.dims, data: newW }, { name: biasName, dims: [m], data: newBias }]);
        return () => {
          undo();
          node.input = inputs;
        };
      },
      worse: 'the refit raised the calibration loss',
    };
  }
  onLayer?.(layers.length, layers.length);
}

export const lsqRecovery: Recovery<'lsq'> = {
  id: 'lsq',
  name: 'least squares',
  description: 'Least squares: refits each next layer’s weights so its output matches the original on the calibration images.',
  run: reconstructLayers,
};

/** The given channels (axis 1) of a tensor, in order. */
function selectChannels(t: Float32Tensor, channels: readonly number[]): Float32Tensor {
  const [n, c] = t.dims as [number, number];
  if (channels.length === c) return t;
  const inner = t.data.length / (n * c);
  const data = new Float32Array(n * channels.length * inner);
  for (let i = 0; i < n; i++) channels.forEach((ch, j) => data.set(t.data.subarray((i * c + ch) * inner, (i * c + ch + 1) * inner), (i * channels.length + j) * inner));
  return { dims: [n, channels.length, ...t.dims.slice(2)], data };
}

/** Rows of [features…, 1] → outputs for a dense layer: one per image. */
function addDenseRows(eq: NormalEquations, inputs: Float32Tensor[], ys: Float32Tensor[]): void {
  const k = eq.n - 1;
  const row = new Float64Array(eq.n);
  inputs.forEach((x, bi) => {
    const y = ys[bi]!;
    for (let i = 0; i < x.dims[0]!; i++) {
      for (let f = 0; f < k; f++) row[f] = x.data[i * k + f]!;
      row[k] = 1;
      eq.add(row, y.data.subarray(i * eq.m, (i + 1) * eq.m));
    }
  });
}

/** im2col rows of a 2-D convolution at sampled output positions (also compress/lowrank-data.ts's patch sampler). */
export function addConvRows(eq: Pick<NormalEquations, 'n' | 'add'>, node: Parameters<typeof attrInt>[0], inputs: Float32Tensor[], ys: Float32Tensor[], kernelDims: number[], maxPositions: number, random: () => number): void {
  const [kh, kw] = kernelDims as [number, number];
  const [, c, h, wd] = inputs[0]!.dims as [number, number, number, number];
  const [, m, oh, ow] = ys[0]!.dims as [number, number, number, number];
  const strides = attrInts(node, 'strides', [1, 1]);
  const dil = attrInts(node, 'dilations', [1, 1]);
  const pads = resolvePads(attrString(node, 'auto_pad', 'NOTSET'), attrInts(node, 'pads'), [h, wd], [kh, kw], strides, dil);
  const positions: [number, number, number, number][] = [];
  inputs.forEach((x, bi) => {
    for (let n = 0; n < x.dims[0]!; n++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) positions.push([bi, n, y, xx]);
  });
  // Partial Fisher–Yates: a uniform sample of at most maxPositions positions.
  const count = Math.min(maxPositions, positions.length);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (positions.length - i));
    [positions[i], positions[j]] = [positions[j]!, positions[i]!];
  }
  const row = new Float64Array(eq.n);
  const target = new Float64Array(m);
  for (let s = 0; s < count; s++) {
    const [bi, n, y, xx] = positions[s]!;
    const x = inputs[bi]!;
    const out = ys[bi]!;
    let f = 0;
    for (let ch = 0; ch < c; ch++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++, f++) {
      const iy = y * strides[0]! - pads.begin[0]! + a * dil[0]!;
      const ix = xx * strides[1]! - pads.begin[1]! + b * dil[1]!;
      row[f] = iy >= 0 && iy < h && ix >= 0 && ix < wd ? x.data[((n * c + ch) * h + iy) * wd + ix]! : 0;
    }
    row[f] = 1;
    for (let o = 0; o < m; o++) target[o] = out.data[((n * m + o) * oh + y) * ow + xx]!;
    eq.add(row, target);
  }
}
