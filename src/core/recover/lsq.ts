// Least-squares reconstruction (He et al. 2017 channel pruning; AIMET's "channel pruning with
// weight reconstruction"): for each layer that lost input channels, refit its kept input weights
// and bias so that, fed the PRUNED network's activations, it reproduces the UNPRUNED network's
// outputs on the calibration images: min ‖[X_kept 1]·[W'; b'] − Y‖² + λ‖W'‖², solved through the
// normal equations. Convolutions use im2col rows at a bounded random sample of output positions.
// Layers are refit in graph order, each seeing the already-refit layers before it.
import { attrFloat, attrString } from '../graph/attributes.js';
import { buildGraph, constantTensor, usesOf, type GraphIR } from '../graph/ir.js';
import type { NodeProto } from '../onnx/proto.js';
import type { Float32Tensor } from '../score/runner.js';
import { captureTensors, constantInput, nodeNamed, NOT_REFITTABLE, refittableWeight, sharedWithOtherLayers, writeNodeInputs } from './common.js';
import { layerGeometry } from './layer-geometry.js';
import { addPatchRows, sampleOutputPositions, type RowSink } from './patch-rows.js';
import { prunedInputLayers } from './pruned-inputs.js';
import type { Recovery, RecoveryJob, RecoveryStep } from './recovery.js';
import { NormalEquations, RectifiedTargets, SQUASHES, SquashedStep, type Squash } from './solve.js';
import { sampleWithoutReplacement, seededRandom } from '../random.js';

export interface LsqOptions {
  /** Output positions sampled per conv layer (default: as many as LSQ_SOLVE_BUDGET allows, 4,096 to 32,768). */
  maxPositions?: number;
  /** Layers with more unknowns per output than this are skipped (default 1200). */
  maxFeatures?: number;
  /** Ridge, relative to the mean diagonal of XᵀX (default 1e-3). */
  ridge?: number;
  seed?: number;
  /** Also refit layers that lost no input channel but whose input changed (default true). */
  downstream?: boolean;
  /** Fit a layer that feeds only ReLUs to its rectified output (negative targets need only stay ≤ 0; default true). */
  rectified?: boolean;
  /** Fit a layer that feeds only a Sigmoid/Tanh to its squashed output (Gauss–Newton; default true). */
  squashed?: boolean;
}

/** The positions a conv layer's refit sampled before the budget below (and what wide layers still get). */
export const LSQ_BASE_POSITIONS = 4096;

/**
 * Rows × unknowns² the normal equations of one conv layer may cost. A small layer gets up to
 * 32,768 sampled positions, a wide one no fewer than LSQ_BASE_POSITIONS. Why more rows: a dense
 * decoder's pixels differ position by position, and 4,096 of them under-sample it (held-out two-task
 * model, 50 % of MACs, lsq alone: reconstruction error 2.24× → 1.98× the unpruned model's with 32,768;
 * 131,072 gave 1.96×).
 */
const LSQ_SOLVE_BUDGET = 2e9;

/** Refinement passes of a ReLU-fed layer's fit (each re-reads the rows for a new right-hand side). */
const RECTIFIED_PASSES = 3;

/** Gauss–Newton steps of a Sigmoid/Tanh-fed layer's fit (stopped early when one does not lower the error). */
const SQUASHED_PASSES = 4;

/** Step halvings a Gauss–Newton step may try before the fit stops where it is. */
const SQUASHED_HALVINGS = 4;

/** Doubles the per-output normal equations of a squashed fit may hold (outputs × unknowns²); wider layers fit plainly. */
const SQUASHED_BUDGET = 16e6;

/** Output positions to sample for a layer with `features` unknowns per output. */
export function lsqPositions(features: number): number {
  return Math.min(32768, Math.max(LSQ_BASE_POSITIONS, Math.floor(LSQ_SOLVE_BUDGET / (features * features))));
}

/** Proposes refits of the layers of `job.model` that lost input channels (or whose input changed). */
async function* reconstructLayers({ original, analysis, plan, model: pruned, ctx, lsq: options = {}, onProgress: onLayer }: RecoveryJob): AsyncGenerator<RecoveryStep> {
  const layers = prunedInputLayers(analysis, plan, options.downstream ?? true, true);
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
    if (sharedWithOtherLayers(pruned, node, 1)) {
      yield { node: id, skipped: 'weight shared with another layer: left as it is, so the layers stay tied' };
      continue;
    }
    const geo = layerGeometry(node, w.dims);
    if (!geo) {
      yield { node: id, skipped: `${node.opType} with this layout is not refitted` };
      continue;
    }
    if (geo.op === 'Gemm' && (attrFloat(node, 'alpha', 1) !== 1 || attrFloat(node, 'beta', 1) !== 1)) {
      yield { node: id, skipped: 'Gemm with alpha/beta ≠ 1' };
      continue;
    }
    if (geo.op === 'ConvTranspose' && attrString(node, 'auto_pad', 'NOTSET') !== 'NOTSET') {
      yield { node: id, skipped: 'ConvTranspose with auto_pad is not refitted (explicit pads are)' };
      continue;
    }
    // A MatMul's bias is the Add after it: the fitted intercept is added to that constant.
    const biasAdd = geo.op === 'MatMul' ? biasAddOf(ir, node, geo.outputs) : undefined;
    if (geo.op === 'MatMul' && !biasAdd) {
      yield { node: id, skipped: 'MatMul without a constant bias Add after it is not refitted' };
      continue;
    }
    const dense = geo.op === 'Gemm' || geo.op === 'MatMul';
    const kernelDims = dense ? [] : w.dims.slice(2);
    if (!dense && kernelDims.length !== 2) {
      yield { node: id, skipped: 'only 2-D convolutions are refitted' };
      continue;
    }
    // One least-squares problem per group: a group's outputs read only its own input channels.
    const features = geo.inputsPerGroup * geo.kernel + 1;
    if (features > (options.maxFeatures ?? 1200)) {
      yield { node: id, skipped: `${features} unknowns per output is above the limit` };
      continue;
    }
    if (layer.keptOutputs.length !== geo.outputs) {
      yield { node: id, skipped: `pruned layer has ${geo.outputs} outputs, expected ${layer.keptOutputs.length}` };
      continue;
    }
    const inputs = (await captureTensors(pruned, [node.input[0]!], ctx)).map((c) => c[node.input[0]!]!);
    const ys = targets.map((t) => (geo.op === 'MatMul' ? selectLastAxis : selectChannels)(t[layer.node.output[0]!]!, layer.keptOutputs));
    const positions = dense ? [] : sampleOutputPositions(ys, options.maxPositions ?? lsqPositions(features), random);
    const tokens = geo.op === 'MatMul' ? sampleTokens(inputs, geo.inputs, options.maxPositions ?? lsqPositions(features), random) : undefined;
    const ridge = options.ridge ?? 1e-3;
    const rectified = (options.rectified ?? true) && feedsOnlyRelu(ir, node.output[0]!);
    const squash = (options.squashed ?? true) && geo.outputsPerGroup * features * features <= SQUASHED_BUDGET ? squashAfter(ir, node.output[0]!) : undefined;
    const newW = new Float32Array(w.data.length);
    const newBias = new Float32Array(geo.outputs);
    let failed: string | undefined;
    for (let g = 0; g < geo.group && !failed; g++) {
      const window = { inStart: g * geo.inputsPerGroup, inCount: geo.inputsPerGroup, outStart: g * geo.outputsPerGroup, outCount: geo.outputsPerGroup };
      const eq = new NormalEquations(features, geo.outputsPerGroup);
      const addRows = (sink: RowSink) => (tokens ? addTokenRows(sink, inputs, ys, tokens) : geo.op === 'Gemm' ? addDenseRows(sink, inputs, ys) : addPatchRows(sink, node, inputs, ys, kernelDims, positions, window));
      addRows(eq);
      let solution: Float64Array;
      try {
        solution = eq.solve(ridge);
        for (let pass = 0; rectified && pass < RECTIFIED_PASSES; pass++) {
          const rhs = new RectifiedTargets(features, geo.outputsPerGroup, solution);
          addRows(rhs);
          solution = eq.solve(ridge, rhs.xty);
        }
        if (squash) solution = fitThroughSquash(solution, features, geo.outputsPerGroup, squash, addRows, ridge);
      } catch (err) {
        failed = (err as Error).message;
        break;
      }
      const mg = geo.outputsPerGroup;
      for (let o = 0; o < mg; o++) {
        for (let c = 0; c < geo.inputsPerGroup; c++) for (let q = 0; q < geo.kernel; q++) newW[geo.index(window.outStart + o, window.inStart + c, q)] = solution[(c * geo.kernel + q) * mg + o]!;
        newBias[window.outStart + o] = solution[(features - 1) * mg + o]!;
      }
    }
    if (failed) {
      yield { node: id, skipped: failed };
      continue;
    }
    if (biasAdd) {
      const old = biasAdd.bias;
      yield {
        node: id,
        apply: () => {
          const undoWeight = writeNodeInputs(pruned, node, [{ index: 1, dims: w.dims, data: newW }]);
          const undoBias = writeNodeInputs(pruned, biasAdd.node, [{ index: biasAdd.index, dims: old.dims, data: old.data.map((b, o) => b + newBias[o]!) }]);
          return () => {
            undoBias();
            undoWeight();
          };
        },
        worse: 'the refit raised the calibration loss',
      };
      continue;
    }
    yield {
      node: id,
      apply: () => writeNodeInputs(pruned, node, [{ index: 1, dims: w.dims, data: newW }, { index: 2, dims: [geo.outputs], data: newBias }]),
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

/** True when every consumer of `tensor` is a Relu (and it is not a graph output). */
function feedsOnlyRelu(ir: GraphIR, tensor: string): boolean {
  const uses = usesOf(ir, tensor);
  return uses.length > 0 && uses.every((u) => u.node.opType === 'Relu') && !ir.outputs.has(tensor);
}

/** The Sigmoid/Tanh every consumer of `tensor` applies (and it is not a graph output itself). */
function squashAfter(ir: GraphIR, tensor: string): Squash | undefined {
  const uses = usesOf(ir, tensor);
  const op = uses[0]?.node.opType;
  if (!op || ir.outputs.has(tensor) || !uses.every((u) => u.node.opType === op)) return undefined;
  return SQUASHES[op];
}

/**
 * Gauss–Newton steps from the plain solution, each with a halving line search: where the plain fit
 * is far off (a decoder whose input was cut), the full step overshoots on saturated pixels. Each
 * evaluation's rows are the next step's normal equations, so a try costs one pass over the rows.
 */
function fitThroughSquash(start: Float64Array, n: number, m: number, squash: Squash, addRows: (sink: SquashedStep) => void, ridge: number): Float64Array {
  const linearisedAt = (w: Float64Array) => {
    const step = new SquashedStep(n, m, w, squash);
    addRows(step);
    return step;
  };
  let best = start;
  let here = linearisedAt(start);
  for (let pass = 0; pass < SQUASHED_PASSES; pass++) {
    const proposal = here.solve(ridge);
    let moved = false;
    for (let t = 0, alpha = 1; t < SQUASHED_HALVINGS && !moved; t++, alpha /= 2) {
      const candidate = best.map((v, i) => v + alpha * (proposal[i]! - v));
      const there = linearisedAt(candidate);
      if (there.loss < here.loss) [best, here, moved] = [candidate, there, true];
    }
    if (!moved) break;
  }
  return best;
}

/** The given channels (axis 1) of a tensor, in order. */
function selectChannels(t: Float32Tensor, channels: readonly number[]): Float32Tensor {
  const [n, c] = t.dims as [number, number];
  if (channels.length === c) return t;
  const inner = t.data.length / (n * c);
  const data = new Float32Array(n * channels.length * inner);
  for (let i = 0; i < n; i++) channels.forEach((ch, j) => data.set(t.data.subarray((i * c + ch) * inner, (i * c + ch + 1) * inner), (i * channels.length + j) * inner));
  return { dims: [n, channels.length, ...t.dims.slice(2)], data };
}

/** The Add right after a MatMul whose other operand is a constant of `outputs` values (its bias), with that constant. */
function biasAddOf(ir: GraphIR, node: NodeProto, outputs: number): { node: NodeProto; index: number; bias: { dims: number[]; data: Float32Array } } | undefined {
  const uses = usesOf(ir, node.output[0]!);
  const add = uses.length === 1 && uses[0]!.node.opType === 'Add' ? uses[0]!.node : undefined;
  if (!add || ir.outputs.has(node.output[0]!)) return undefined;
  const index = add.input[0] === node.output[0] ? 1 : 0;
  if (!add.input[index] || !constantTensor(ir, add.input[index])) return undefined;
  const bias = constantInput(ir, add, index);
  return bias.data.length === outputs && bias.dims.at(-1) === outputs ? { node: add, index, bias } : undefined;
}

/** The given entries of the last axis of a tensor, in order. */
function selectLastAxis(t: Float32Tensor, channels: readonly number[]): Float32Tensor {
  const c = t.dims.at(-1)!;
  if (channels.length === c) return t;
  const rows = t.data.length / c;
  const data = new Float32Array(rows * channels.length);
  for (let r = 0; r < rows; r++) channels.forEach((ch, j) => (data[r * channels.length + j] = t.data[r * c + ch]!));
  return { dims: [...t.dims.slice(0, -1), channels.length], data };
}

/** A uniform sample of at most `max` tokens (batch index, row of the flattened [rows, features] input). */
function sampleTokens(inputs: readonly Float32Tensor[], features: number, max: number, random: () => number): [number, number][] {
  const all = inputs.flatMap((x, bi) => Array.from({ length: x.data.length / features }, (_, r): [number, number] => [bi, r]));
  return sampleWithoutReplacement(all, max, random);
}

/** Rows of [features…, 1] → outputs for a MatMul over its last axis: one per sampled token. */
function addTokenRows(sink: RowSink, inputs: readonly Float32Tensor[], ys: readonly Float32Tensor[], tokens: readonly [number, number][]): void {
  const k = sink.n - 1;
  const m = ys[0]!.dims.at(-1)!;
  const row = new Float64Array(sink.n);
  for (const [bi, r] of tokens) {
    const x = inputs[bi]!.data;
    for (let f = 0; f < k; f++) row[f] = x[r * k + f]!;
    row[k] = 1;
    sink.add(row, ys[bi]!.data.subarray(r * m, (r + 1) * m));
  }
}

/** Rows of [features…, 1] → outputs for a dense layer: one per image. */
function addDenseRows(sink: RowSink, inputs: Float32Tensor[], ys: Float32Tensor[]): void {
  const k = sink.n - 1;
  const m = ys[0]!.dims[1]!;
  const row = new Float64Array(sink.n);
  inputs.forEach((x, bi) => {
    const y = ys[bi]!;
    for (let i = 0; i < x.dims[0]!; i++) {
      for (let f = 0; f < k; f++) row[f] = x.data[i * k + f]!;
      row[k] = 1;
      sink.add(row, y.data.subarray(i * m, (i + 1) * m));
    }
  });
}
