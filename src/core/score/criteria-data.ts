// Data-based channel scores: activation statistics, first-order Taylor (via the generated backward
// graph) and the oracle (exact loss change when a channel is zeroed). Each returns, per requested
// tensor or group, one score per channel; criteria.ts aggregates and normalises them.
import { exposeTensors } from '../graph/expose.js';
import { buildGraph } from '../graph/ir.js';
import { declaredInfo, type Dim } from '../graph/shapes.js';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/proto.js';
import { accumulateChannelStats, createChannelStats, summarizeChannelStats, type ChannelSummary } from './activation-stats.js';
import { buildBackwardModel } from './backward.js';
import { makeNode, makeValueInfo } from './graph-builder.js';
import { subModelFrom } from './sub-model.js';
import type { GroupTensor } from './group-tensors.js';
import { argmaxOneHot, crossEntropyPerImage, oneHot, softmaxAxis1, type ImageBatch } from './images.js';
import type { AbortSignalLike, Feeds, Float32Tensor, ModelRunner } from './runner.js';
import { checkAborted, withModel } from './runner.js';
import { denseProbeTarget, halfSquaredErrorPerImage, type TaskKind } from './loss-task.js';
import { seededRandom } from '../random.js';

export interface DataScoreOptions {
  runner: ModelRunner;
  batches: readonly ImageBatch[];
  signal?: AbortSignalLike;
  /** Called after each batch (done counts batches, or channels for the oracle). */
  onProgress?: (done: number, total: number) => void;
}

/** Per-channel activation summaries (mean |a|, map L2, APoZ, ...) of each tensor over the images. */
export async function activationSummaries(model: ModelProto, tensors: readonly GroupTensor[], opts: DataScoreOptions): Promise<Map<string, ChannelSummary>> {
  const exposed = exposeTensors(model, tensors.map((t) => t.name));
  const stats = new Map<string, ReturnType<typeof createChannelStats>>();
  await withModel(opts.runner, exposed, async (m) => {
    for (const [bi, batch] of opts.batches.entries()) {
      checkAborted(opts.signal);
      const out = await m.run(batch.feeds, { signal: opts.signal });
      for (const t of tensors) {
        const v = out[t.name]!;
        let s = stats.get(t.name);
        if (!s) stats.set(t.name, (s = createChannelStats(v.dims[t.channelAxis]!, t.channelAxis)));
        accumulateChannelStats(s, v.data, v.dims);
      }
      opts.onProgress?.(bi + 1, opts.batches.length);
    }
  });
  return new Map([...stats].map(([k, s]) => [k, summarizeChannelStats(s)]));
}

/**
 * The loss target of `output` for one batch: one-hot labels (first output, when labelled), else the
 * reference probabilities when given, else pseudo-labels (the arg-max of the model's own output).
 * KL to the model's own probabilities would have zero gradient at the unpruned model, hence pseudo-labels.
 */
export function lossTarget(outputIndex: number, batch: ImageBatch, plain: Float32Tensor, isProbs: boolean, reference?: Float32Tensor): Float32Tensor {
  if (outputIndex === 0 && batch.labels && plain.dims.length === 2) return oneHot(batch.labels, plain.dims[1]!);
  if (reference) return isProbs ? reference : softmaxAxis1(reference);
  return argmaxOneHot(plain);
}

/**
 * The input shapes the images are fed at, for the shape inference of a model with dynamic dims (the
 * backward graph needs fixed sizes): each dim all batches agree on, the batch dim left as declared.
 */
export function fedInputShapes(model: ModelProto, batches: readonly ImageBatch[]): Map<string, Dim[]> {
  const shapes = new Map<string, Dim[]>();
  for (const input of buildGraph(model).inputs) {
    const declared = declaredInfo(input)?.shape;
    const fed = batches.map((b) => b.feeds[input.name]?.dims);
    if (!declared || fed.some((d) => d?.length !== declared.length)) continue;
    shapes.set(input.name, declared.map((d, i) => (i > 0 && fed.every((f) => f![i] === fed[0]![i]) ? fed[0]![i]! : d)));
  }
  return shapes;
}

/**
 * First-order Taylor scores (Molchanov et al. 2017, eq. 7): per image, |mean over positions of
 * a·∂C/∂a| for each channel, averaged over the images. C is the loss of `lossOutput`'s task:
 * cross-entropy (class, segmentation) or L2 with random-sign probes (dense, see denseProbeTarget).
 */
export async function taylorScores(model: ModelProto, tensors: readonly GroupTensor[], lossOutput: string, outputIndex: number, opts: DataScoreOptions, loss: { task?: TaskKind; seed?: number } = {}): Promise<Map<string, Float64Array>> {
  const bw = buildBackwardModel(model, { activations: tensors.map((t) => t.name), lossOutputs: [lossOutput], tasks: loss.task && { [lossOutput]: loss.task }, inputShapes: fedInputShapes(model, opts.batches) });
  const isProbs = bw.logitsOf.get(lossOutput) !== lossOutput;
  const dense = bw.taskOf.get(lossOutput) === 'dense';
  const random = seededRandom(loss.seed ?? 0);
  const sums = new Map<string, Float64Array>();
  let images = 0;
  // The model's own outputs give the pseudo-labels (and the class count for one-hot labels).
  const plainOut = await forwardOutputs(model, opts);
  await withModel(opts.runner, bw.model, async (m) => {
    for (const [bi, batch] of opts.batches.entries()) {
      checkAborted(opts.signal);
      const plain = plainOut[bi]![lossOutput]!;
      const target = dense ? denseProbeTarget(plain, random) : lossTarget(outputIndex, batch, plain, isProbs);
      const out = await m.run({ ...batch.feeds, [bw.targetOf.get(lossOutput)!]: target }, { signal: opts.signal });
      for (const t of tensors) {
        const a = out[t.name]!;
        const g = out[bw.gradientOf.get(t.name)!]!;
        const per = perImageChannelMeanProduct(a, g, t.channelAxis, t.batchAxis ?? 0);
        let acc = sums.get(t.name);
        if (!acc) sums.set(t.name, (acc = new Float64Array(per.channels)));
        for (let i = 0; i < per.values.length; i++) acc[i % per.channels] = acc[i % per.channels]! + Math.abs(per.values[i]!);
      }
      images += a0(batch);
      opts.onProgress?.(bi + 1, opts.batches.length);
    }
  });
  return new Map([...sums].map(([k, v]) => [k, v.map((x) => x / Math.max(images, 1))]));
}

const a0 = (batch: ImageBatch): number => Object.values(batch.feeds)[0]!.dims[0]!;

/**
 * Per image and channel, the mean over positions of a·g: values[n·C + c]. Images lie along
 * `batchAxis` (0, or 1 for sequence-first [T, batch, D] tensors), before the channel axis.
 */
function perImageChannelMeanProduct(a: Float32Tensor, g: Float32Tensor, axis: number, batchAxis: number): { channels: number; values: Float64Array } {
  const dims = a.dims;
  const product = (from: number, to: number) => dims.slice(from, to).reduce((p, d) => p * d, 1);
  const n = dims[batchAxis]!;
  const c = dims[axis]!;
  const [before, between, inner] = [product(0, batchAxis), product(batchAxis + 1, axis), product(axis + 1, dims.length)];
  const positions = before * between * inner;
  const values = new Float64Array(n * c);
  for (let p = 0; p < before; p++) for (let i = 0; i < n; i++) for (let o = 0; o < between; o++) for (let ch = 0; ch < c; ch++) {
    const base = (((p * n + i) * between + o) * c + ch) * inner;
    let s = 0;
    for (let k = 0; k < inner; k++) s += a.data[base + k]! * g.data[base + k]!;
    values[i * c + ch] = values[i * c + ch]! + s / positions;
  }
  return { channels: c, values };
}

/** The model's outputs for every batch. */
export async function forwardOutputs(model: ModelProto, opts: DataScoreOptions): Promise<Record<string, Float32Tensor>[]> {
  return withModel(opts.runner, model, async (m) => {
    const outs: Record<string, Float32Tensor>[] = [];
    for (const batch of opts.batches) {
      checkAborted(opts.signal);
      outs.push(await m.run(batch.feeds, { signal: opts.signal }));
    }
    return outs;
  });
}

/** A group tensor with its rank: what masking needs to shape a broadcastable mask. */
export interface MaskedTensor extends GroupTensor {
  rank: number;
}

/**
 * A copy of `model` where every listed tensor is multiplied by its own mask input `<tensor>__mask`
 * (tensors of one group may hold their channels on different axes, so each gets its own shape).
 */
export function maskedModel(model: ModelProto, tensors: readonly MaskedTensor[]): { model: ModelProto; maskOf: Map<string, string> } {
  const copy = decodeModel(encodeModel(model), 'masked copy');
  const graph = copy.graph!;
  const maskOf = new Map<string, string>();
  for (const t of tensors) {
    const mask = `${t.name}__mask`;
    maskOf.set(t.name, mask);
    graph.input.push(makeValueInfo(mask));
    const renamed = `${t.name}__masked`;
    for (const node of graph.node) node.input = node.input.map((n) => (n === t.name ? renamed : n));
    graph.output.forEach((o) => {
      if (o.name === t.name) throw new Error(`"${t.name}" is a graph output; it cannot be masked`);
    });
    const at = graph.node.findIndex((n) => n.output.includes(t.name)) + 1;
    graph.node.splice(at, 0, makeNode('Mul', [t.name, mask], [renamed], `${renamed}_node`));
    if (t.rank < 2 || t.channelAxis < 1 || t.channelAxis >= t.rank) throw new Error(`"${t.name}" has no channel axis`);
  }
  return { model: copy, maskOf };
}

/** Mask feed of rank `rank`, all ones except channels `zero`: 1 on every axis but `channelAxis`, which holds the channels. */
export function maskFeed(channels: number, rank: number, channelAxis: number, zero?: readonly number[]): Float32Tensor {
  const data = new Float32Array(channels).fill(1);
  for (const z of zero ?? []) data[z] = 0;
  const dims = new Array<number>(rank).fill(1);
  dims[channelAxis] = channels;
  return { dims, data };
}

/** A copy of `t` with channel `c` (along `axis`) set to zero. */
function zeroChannel(t: Float32Tensor, axis: number, c: number): Float32Tensor {
  const data = t.data.slice();
  const channels = t.dims[axis]!;
  const inner = t.dims.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = t.data.length / (channels * inner);
  for (let o = 0; o < outer; o++) data.fill(0, (o * channels + c) * inner, (o * channels + c + 1) * inner);
  return { dims: t.dims, data };
}

export interface OracleGroup {
  tensors: readonly MaskedTensor[];
  channels: number;
}

/**
 * Oracle scores (PAGCP's performance-aware criterion): for each channel of each group, the exact
 * increase of the loss of `lossOutput` when the channel is zeroed in all of the group's tensors,
 * averaged over images; CE against labels when known, else KL to the unpruned model's output.
 * Negative changes (removal helps) count as 0. Fast path: the group's activations (and whatever
 * else the rest of the graph reads) are cached once, and only the sub-graph after them is rerun per
 * channel; groups whose tensors depend on each other rerun a masked copy of the whole model.
 */
export async function oracleScores(model: ModelProto, groups: ReadonlyMap<string, OracleGroup>, lossOutput: string, outputIndex: number, isProbs: boolean, opts: DataScoreOptions, fastPath = true, task: TaskKind = 'class'): Promise<Map<string, Float64Array>> {
  const reference = await forwardOutputs(model, opts);
  const targets = opts.batches.map((b, bi) => {
    const ref = reference[bi]![lossOutput]!;
    if (task === 'dense') return ref;
    return task === 'class' && outputIndex === 0 && b.labels && ref.dims.length === 2 ? oneHot(b.labels, ref.dims[1]!) : isProbs ? ref : softmaxAxis1(ref);
  });
  const lossPerImage = (out: Float32Tensor, target: Float32Tensor) => (task === 'dense' ? halfSquaredErrorPerImage(out, target) : crossEntropyPerImage(out, target, isProbs));
  const baseLoss = opts.batches.map((_, bi) => lossPerImage(reference[bi]![lossOutput]!, targets[bi]!));
  let images = 0;
  for (const b of opts.batches) images += a0(b);
  const total = [...groups.values()].reduce((a, g) => a + g.channels, 0);
  const progress = { done: 0, total };
  const result = new Map<string, Float64Array>();
  const slow = new Map<string, OracleGroup>();
  for (const [id, g] of groups) {
    const sub = fastPath ? subModelFrom(model, g.tensors.map((t) => t.name)) : undefined;
    if (!sub) {
      slow.set(id, g);
      continue;
    }
    const scores = new Float64Array(g.channels);
    if (sub.outputs.includes(lossOutput)) {
      const cached = await captureAll(model, sub.inputs, opts);
      await withModel(opts.runner, sub.model, async (m) => {
        for (let c = 0; c < g.channels; c++) {
          checkAborted(opts.signal);
          let delta = 0;
          for (const [bi, feeds] of cached.entries()) {
            const zeroed = { ...feeds };
            for (const t of g.tensors) zeroed[t.name] = zeroChannel(feeds[t.name]!, t.channelAxis, c);
            const out = await m.run(zeroed, { signal: opts.signal });
            lossPerImage(out[lossOutput]!, targets[bi]!).forEach((l, i) => (delta += l - baseLoss[bi]![i]!));
          }
          scores[c] = Math.max(0, delta / Math.max(images, 1));
          opts.onProgress?.(++progress.done, total);
        }
      });
    } else progress.done += g.channels;
    result.set(id, scores);
  }
  if (slow.size) {
    for (const [id, s] of await maskedOracle(model, slow, lossOutput, lossPerImage, targets, baseLoss, images, opts, progress)) result.set(id, s);
  }
  return result;
}

/** The named tensors of the full model for every batch (batch inputs included when named). */
async function captureAll(model: ModelProto, names: readonly string[], opts: DataScoreOptions): Promise<Feeds[]> {
  return withModel(opts.runner, exposeTensors(model, names), async (m) => {
    const out: Feeds[] = [];
    for (const b of opts.batches) {
      checkAborted(opts.signal);
      const r = await m.run(b.feeds, { signal: opts.signal });
      out.push(Object.fromEntries(names.map((n) => [n, r[n] ?? b.feeds[n]!])));
    }
    return out;
  });
}

/** The slow oracle path: a masked copy of the whole model, one full run per channel. */
async function maskedOracle(model: ModelProto, groups: ReadonlyMap<string, OracleGroup>, lossOutput: string, lossPerImage: (out: Float32Tensor, target: Float32Tensor) => Float64Array, targets: Float32Tensor[], baseLoss: Float64Array[], images: number, opts: DataScoreOptions, progress: { done: number; total: number }): Promise<Map<string, Float64Array>> {
  const { model: masked, maskOf } = maskedModel(model, [...groups.values()].flatMap((g) => g.tensors));
  const masks = (g: OracleGroup, zero?: number[]): Feeds => Object.fromEntries(g.tensors.map((t) => [maskOf.get(t.name)!, maskFeed(g.channels, t.rank, t.channelAxis, zero)]));
  const result = new Map<string, Float64Array>();
  await withModel(opts.runner, masked, async (m) => {
    const allOnes: Feeds = Object.assign({}, ...[...groups.values()].map((g) => masks(g)));
    for (const [id, g] of groups) {
      const scores = new Float64Array(g.channels);
      for (let c = 0; c < g.channels; c++) {
        checkAborted(opts.signal);
        let delta = 0;
        for (const [bi, batch] of opts.batches.entries()) {
          const out = await m.run({ ...batch.feeds, ...allOnes, ...masks(g, [c]) }, { signal: opts.signal });
          lossPerImage(out[lossOutput]!, targets[bi]!).forEach((l, i) => (delta += l - baseLoss[bi]![i]!));
        }
        scores[c] = Math.max(0, delta / Math.max(images, 1));
        opts.onProgress?.(++progress.done, progress.total);
      }
      result.set(id, scores);
    }
  });
  return result;
}
