// Reconstruction (structured Optimal Brain Surgeon; ThiNet and He et al. 2017 choose channels the
// same way): a channel matters as much as its consumers' outputs suffer when it is removed and the
// remaining inputs are refitted by least squares, which is exactly what the `lsq` recovery does
// afterwards. Greedy backward elimination over each group: at every step the channel whose removal
// raises the consumers' refitted error least goes, and the others' weights and the inverse Gram
// matrix are updated in closed form (Schur complement), so later choices see the compensation.
import { attrInt } from '../../graph/attributes.js';
import type { ChannelAnalysis } from '../../graph/channels/analyse.js';
import type { ChannelGroup } from '../../graph/channels/types.js';
import { buildGraph, type GraphIR } from '../../graph/ir.js';
import type { ModelProto, NodeProto } from '../../onnx/proto.js';
import { seededRandom } from '../../random.js';
import { constantInput, refittableWeight } from '../../recover/common.js';
import { layerGeometry, type LayerGeometry } from '../../recover/layer-geometry.js';
import { isConstantMatMul, readsFeaturesOn } from '../../recover/pruned-inputs.js';
import { addPatchRows, sampleOutputPositions } from '../../recover/patch-rows.js';
import { choleskyLower, NormalEquations } from '../../recover/solve.js';
import { exposeTensors } from '../../graph/expose.js';
import { checkAborted, withModel, type Float32Tensor } from '../runner.js';
import type { Criterion, CriterionScores, ScoringJob } from './types.js';

/**
 * Input columns (+ bias) above which a reader is left out, as least squares leaves out layers with
 * more than 1,200 unknowns. The elimination costs columns² × (block of a channel) per step: a VGG's
 * Flatten → Gemm (1,569 columns, 49 per channel) took tens of seconds on a 2-core machine, and
 * reading it moved the VGG demos by −0.2 and +0.1 points after distillation (noise).
 */
const GRAM_LIMIT = 1201;
/** Output positions sampled per conv reader for its Gram matrix, at most: a wide one gets fewer (GRAM_BUDGET). */
const POSITIONS = 8192;
/** Rows × columns² one reader's Gram matrix may cost (a 1,200-column reader: 2,777 positions, never under 2,048). */
const GRAM_BUDGET = 4e9;
/** Ridge relative to the mean diagonal of the Gram matrix (as lsq). */
const RIDGE = 1e-3;

/** One reader of a group, as the elimination updates it. */
interface Consumer {
  /** Inverse of the (ridged) Gram matrix over the reader's input columns and bias (n×n), updated as channels go. */
  inverse: Float64Array;
  /** Weights over the same columns (n×m), updated as channels go. */
  weights: Float64Array;
  n: number;
  m: number;
  /** Per channel of the group: its column indices (into the n columns). */
  blocks: number[][];
  /** ‖XW‖² of the unpruned layer: errors are relative to it, so consumers of any size weigh alike. */
  energy: number;
}

/** Positions along `node`'s input axis that hold each channel of the group's spaces. */
function channelPositions(analysis: ChannelAnalysis, group: ChannelGroup, input: string, lastAxis: boolean): { perChannel: number[][]; block: number } | undefined {
  const layout = analysis.layouts.get(input);
  if (!layout || !readsFeaturesOn(layout, lastAxis) || layout.unit || layout.outer !== undefined) return undefined;
  const spaces = new Set(group.spaces);
  const perChannel: number[][] = Array.from({ length: group.channels }, () => []);
  let p = 0;
  let any = false;
  for (const seg of layout.segments) {
    // Every space of a group has the group's channels, channel i of each being the group's channel i.
    const ours = spaces.has(seg.space);
    for (let c = 0; c < seg.length; c++) for (let b = 0; b < layout.block; b++, p++) {
      if (!ours) continue;
      perChannel[seg.start + c]!.push(p);
      any = true;
    }
  }
  return any ? { perChannel, block: layout.block } : undefined;
}

/** The group-1 Conv, ConvTranspose, Gemm and MatMul-by-constant layers that read the group's channels (at most GRAM_LIMIT columns). */
function consumersOf(ir: GraphIR, analysis: ChannelAnalysis, group: ChannelGroup): { node: NodeProto; geo: LayerGeometry; kernelDims: number[]; positions: number[][] }[] {
  const out: { node: NodeProto; geo: LayerGeometry; kernelDims: number[]; positions: number[][] }[] = [];
  for (const node of ir.nodes) {
    const matmul = isConstantMatMul(analysis, node);
    if (node.opType !== 'Conv' && node.opType !== 'ConvTranspose' && !(node.opType === 'Gemm' && attrInt(node, 'transA', 0) === 0) && !matmul) continue;
    const w = refittableWeight(ir, node);
    const geo = w && layerGeometry(node, w.dims);
    if (!geo || geo.group !== 1 || (geo.op !== 'Gemm' && geo.op !== 'MatMul' && w.dims.length !== 4)) continue;
    if (geo.inputs * geo.kernel + 1 > GRAM_LIMIT) continue;
    const where = channelPositions(analysis, group, node.input[0]!, matmul);
    if (where) out.push({ node, geo, kernelDims: w.dims.slice(2), positions: where.perChannel });
  }
  return out;
}

/**
 * The prunable groups reconstruction leaves unscored: grouped-convolution blocks, and groups no
 * layer it can refit reads (readers over GRAM_LIMIT columns are left out). Read from the graph
 * alone, before any image runs: a default that allocates by reconstruction needs every group ranked.
 */
export function groupsReconstructionSkips(model: ModelProto, analysis: ChannelAnalysis): string[] {
  const ir = buildGraph(model);
  return analysis.groups.filter((g) => g.prunable && (g.blocks > 1 || !consumersOf(ir, analysis, g).length)).map((g) => g.id);
}

/** Inverse of a symmetric positive definite matrix (n×n) through its Cholesky factor. */
function invertSpd(a: Float64Array, n: number, lambda: number): Float64Array {
  const l = choleskyLower(a, n, lambda, 'reconstruction: Gram matrix is not positive definite');
  // L⁻¹ by forward substitution, then A⁻¹ = L⁻ᵀ L⁻¹.
  const li = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    li[j * n + j] = 1 / l[j * n + j]!;
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * n + k]! * li[k * n + j]!;
      li[i * n + j] = s / l[i * n + i]!;
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let k = i; k < n; k++) s += li[k * n + i]! * li[k * n + j]!;
    inv[i * n + j] = s;
    inv[j * n + i] = s;
  }
  return inv;
}

/** Inverse of a small dense symmetric matrix (k×k) by Gauss–Jordan; undefined when singular. */
function invertSmall(a: Float64Array, k: number): Float64Array | undefined {
  const m = Float64Array.from(a);
  const inv = new Float64Array(k * k);
  for (let i = 0; i < k; i++) inv[i * k + i] = 1;
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r * k + c]!) > Math.abs(m[piv * k + c]!)) piv = r;
    const p = m[piv * k + c]!;
    if (!(Math.abs(p) > 1e-300)) return undefined;
    if (piv !== c) for (let j = 0; j < k; j++) {
      [m[c * k + j], m[piv * k + j]] = [m[piv * k + j]!, m[c * k + j]!];
      [inv[c * k + j], inv[piv * k + j]] = [inv[piv * k + j]!, inv[c * k + j]!];
    }
    for (let j = 0; j < k; j++) {
      m[c * k + j] = m[c * k + j]! / p;
      inv[c * k + j] = inv[c * k + j]! / p;
    }
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = m[r * k + c]!;
      if (f === 0) continue;
      for (let j = 0; j < k; j++) {
        m[r * k + j] = m[r * k + j]! - f * m[c * k + j]!;
        inv[r * k + j] = inv[r * k + j]! - f * inv[c * k + j]!;
      }
    }
  }
  return inv;
}

/** Raised refitted error of removing the columns `b`: Σ_outputs w_bᵀ (P_bb)⁻¹ w_b, with (P_bb)⁻¹ returned for the update. */
function removalCost(c: Consumer, b: readonly number[]): { cost: number; pbbInv?: Float64Array } {
  const k = b.length;
  const pbb = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) pbb[i * k + j] = c.inverse[b[i]! * c.n + b[j]!]!;
  const pbbInv = invertSmall(pbb, k);
  if (!pbbInv) return { cost: 0 };
  let cost = 0;
  for (let o = 0; o < c.m; o++) {
    for (let i = 0; i < k; i++) {
      const wi = c.weights[b[i]! * c.m + o]!;
      if (wi === 0) continue;
      let s = 0;
      for (let j = 0; j < k; j++) s += pbbInv[i * k + j]! * c.weights[b[j]! * c.m + o]!;
      cost += wi * s;
    }
  }
  return { cost, pbbInv };
}

/** Removes the columns `b` from a consumer: the optimal compensation of the rest (OBS update), then P's Schur complement. */
function removeColumns(c: Consumer, b: readonly number[], pbbInv: Float64Array): void {
  const { n, m } = c;
  const k = b.length;
  // t = (P_bb)⁻¹ W_b (k×m); W ← W − P_:b t.
  const t = new Float64Array(k * m);
  for (let i = 0; i < k; i++) for (let o = 0; o < m; o++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += pbbInv[i * k + j]! * c.weights[b[j]! * m + o]!;
    t[i * m + o] = s;
  }
  // u = P_:b (P_bb)⁻¹ (n×k).
  const u = new Float64Array(n * k);
  for (let r = 0; r < n; r++) for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += c.inverse[r * n + b[j]!]! * pbbInv[j * k + i]!;
    u[r * k + i] = s;
  }
  for (let r = 0; r < n; r++) for (let i = 0; i < k; i++) {
    const pri = c.inverse[r * n + b[i]!]!;
    if (pri === 0) continue;
    for (let o = 0; o < m; o++) c.weights[r * m + o] = c.weights[r * m + o]! - pri * t[i * m + o]!;
  }
  // P ← P − u P_b: (n×k)(k×n).
  const pb = new Float64Array(k * n);
  for (let i = 0; i < k; i++) for (let r = 0; r < n; r++) pb[i * n + r] = c.inverse[b[i]! * n + r]!;
  for (let r = 0; r < n; r++) for (let i = 0; i < k; i++) {
    const uri = u[r * k + i]!;
    if (uri === 0) continue;
    for (let s = 0; s < n; s++) c.inverse[r * n + s] = c.inverse[r * n + s]! - uri * pb[i * n + s]!;
  }
  for (const col of b) for (let o = 0; o < m; o++) c.weights[col * m + o] = 0;
}

/** A layer that reads some group's channels, with the Gram matrix of its input rows (lower triangle, `all`×`all`: every input column and the bias). */
interface ReadingLayer {
  node: NodeProto;
  geo: LayerGeometry;
  all: number;
  kernelDims: number[];
  gram: NormalEquations;
  /** What every group reading this layer starts from (computed once, copied per group). */
  start?: Omit<Consumer, 'blocks'>;
}

/**
 * The Gram matrices of every layer in `layers`, in one pass over the images: per batch, each conv
 * adds the im2col rows of its share of POSITIONS sampled output positions, each dense layer one row
 * per image. Batch by batch, so thousands of images never sit in memory at once.
 */
async function accumulateGrams(job: ScoringJob, layers: readonly ReadingLayer[]): Promise<void> {
  const data = job.data!;
  const names = [...new Set(layers.flatMap((l) => [l.node.input[0]!, l.node.output[0]!]))];
  const random = seededRandom(job.seed);
  const perBatch = (l: ReadingLayer) => Math.ceil(Math.min(POSITIONS, Math.max(2048, GRAM_BUDGET / (l.all * l.all))) / data.batches.length);
  await withModel(data.runner, exposeTensors(job.model, names), async (m) => {
    for (const batch of data.batches) {
      checkAborted(data.signal);
      const out = await m.run(batch.feeds, { signal: data.signal });
      for (const l of layers) {
        const x = out[l.node.input[0]!]!;
        if (l.geo.op === 'Gemm') addDenseGram(l.gram, [x]);
        else if (l.geo.op === 'MatMul') addTokenGram(l.gram, x, perBatch(l), random);
        else {
          const y = out[l.node.output[0]!]!;
          addPatchRows(l.gram, l.node, [x], [y], l.kernelDims, sampleOutputPositions([y], perBatch(l), random));
        }
      }
    }
  });
}

/** A group's view of one reading layer: a copy of its starting state, and which columns hold each of the group's channels. */
function consumerOf(ir: GraphIR, layer: ReadingLayer, positions: readonly number[][]): Consumer {
  const start = (layer.start ??= readerStart(ir, layer));
  const kernel = layer.geo.kernel;
  const blocks = positions.map((ps) => ps.flatMap((p) => Array.from({ length: kernel }, (_, q) => p * kernel + q)));
  return { ...start, inverse: Float64Array.from(start.inverse), weights: Float64Array.from(start.weights), blocks };
}

/** The inverse of a reading layer's (ridged) Gram matrix, its weights and output energy, over all its input columns and the bias. */
function readerStart(ir: GraphIR, layer: ReadingLayer): Omit<Consumer, 'blocks'> {
  const { node, geo, all } = layer;
  const full = layer.gram.xtx;
  const w = constantInput(ir, node, 1);
  // A MatMul's bias is in the Add after it: its rows are fitted to the output before that Add.
  const bias = node.input[2] && geo.op !== 'MatMul' ? constantInput(ir, node, 2).data : new Float32Array(geo.outputs);
  // Columns: (input c, tap q) → c·kernel + q, the bias last; every input compensates.
  const n = all;
  const m = geo.outputs;
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    gram[i * n + j] = full[i * n + j]!;
    gram[j * n + i] = full[i * n + j]!;
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += gram[i * n + i]!;
  const inverse = invertSpd(gram, n, (RIDGE * trace) / n);
  const weights = new Float64Array(n * m);
  for (let col = 0; col < n; col++) {
    for (let o = 0; o < m; o++) weights[col * m + o] = col === n - 1 ? bias[o]! : w.data[geo.index(o, Math.floor(col / geo.kernel), col % geo.kernel)]!;
  }
  let energy = 0;
  for (let o = 0; o < m; o++) for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += gram[i * n + j]! * weights[j * m + o]!;
    energy += weights[i * m + o]! * s;
  }
  return { inverse, weights, n, m, energy: Math.max(energy, 1e-30) };
}

/** Rows of [features…, 1] for a MatMul over its last axis: `count` tokens sampled from a batch. */
function addTokenGram(sink: { n: number; add(x: ArrayLike<number>, y: ArrayLike<number>): void }, x: Float32Tensor, count: number, random: () => number): void {
  const k = sink.n - 1;
  const tokens = x.data.length / k;
  const row = new Float64Array(sink.n);
  for (let i = 0; i < Math.min(count, tokens); i++) {
    const t = Math.floor(random() * tokens);
    for (let f = 0; f < k; f++) row[f] = x.data[t * k + f]!;
    row[k] = 1;
    sink.add(row, []);
  }
}

/** Rows of [features…, 1] for a dense layer: one per image. */
function addDenseGram(sink: { n: number; add(x: ArrayLike<number>, y: ArrayLike<number>): void }, inputs: readonly Float32Tensor[]): void {
  const k = sink.n - 1;
  const row = new Float64Array(sink.n);
  for (const x of inputs) for (let i = 0; i < x.dims[0]!; i++) {
    for (let f = 0; f < k; f++) row[f] = x.data[i * k + f]!;
    row[k] = 1;
    sink.add(row, []);
  }
}

/**
 * Greedy backward elimination over one group. A channel's score is the consumers' total refitted
 * error once it and every channel removed before it are gone: increasing along the elimination
 * order, so a ranking of the scores is that order.
 */
function eliminationScores(channels: number, consumers: readonly Consumer[], unit = 1): Float64Array {
  const scores = new Float64Array(channels);
  // What goes in one step: a channel, or a whole unit of `unit` channels (an attention head).
  const columnsOf = (c: Consumer, u: number) => c.blocks.slice(u * unit, (u + 1) * unit).flat();
  const left = new Set(Array.from({ length: channels / unit }, (_, u) => u));
  let total = 0;
  while (left.size) {
    let best = -1;
    let bestCost = Infinity;
    for (const u of left) {
      let cost = 0;
      for (const c of consumers) {
        const b = columnsOf(c, u);
        if (b.length) cost += removalCost(c, b).cost / c.energy;
      }
      if (cost < bestCost) [best, bestCost] = [u, cost];
    }
    total += Math.max(bestCost, 0);
    scores.fill(total, best * unit, (best + 1) * unit);
    left.delete(best);
    if (!left.size) break;
    for (const c of consumers) {
      const b = columnsOf(c, best);
      if (!b.length) continue;
      const { pbbInv } = removalCost(c, b);
      if (pbbInv) removeColumns(c, b, pbbInv);
    }
  }
  return scores;
}

export const reconstructionCriterion: Criterion<'reconstruction'> = {
  id: 'reconstruction',
  name: 'Reconstruction',
  description: 'How much the next layers’ outputs suffer when the channel goes and the rest are refitted by least squares (greedy, as ThiNet).',
  needsImages: true,
  async score(job): Promise<CriterionScores> {
    const ir = buildGraph(job.model);
    const perGroup = new Map<string, Float64Array[]>();
    const whyNot = new Map<string, string>();
    const readers = new Map<ChannelGroup, { layer: ReadingLayer; positions: number[][] }[]>();
    const layers = new Map<NodeProto, ReadingLayer>();
    for (const group of job.groups) {
      if (group.blocks > 1) {
        whyNot.set(group.id, 'reconstruction does not score channels of grouped convolutions');
        continue;
      }
      const found = consumersOf(ir, job.analysis, group);
      readers.set(group, found.map((f) => {
        let layer = layers.get(f.node);
        const all = f.geo.inputs * f.geo.kernel + 1;
        if (!layer) layers.set(f.node, (layer = { node: f.node, geo: f.geo, all, kernelDims: f.kernelDims, gram: new NormalEquations(all, 0) }));
        return { layer, positions: f.positions };
      }));
    }
    if (layers.size) await accumulateGrams(job, [...layers.values()]);
    let done = 0;
    for (const [group, found] of readers) {
      checkAborted(job.data?.signal);
      if (found.length) perGroup.set(group.id, [eliminationScores(group.channels, found.map((f) => consumerOf(ir, f.layer, f.positions)), group.unit)]);
      job.data?.onProgress?.(++done, readers.size);
    }
    return { perGroup, whyNot, missing: `no Conv, ConvTranspose, Gemm or MatMul by a constant (of at most ${GRAM_LIMIT - 1} input columns) reads this group’s channels directly` };
  },
};
