// Shared pieces of training-free recovery: running a model with extra outputs on calibration
// images, the calibration loss recovery must not make worse, and in-place (undoable) weight edits
// on a private copy of the pruned model.
//
// The calibration loss covers every output the job names, each with its task's loss to the unpruned
// output (class and segmentation: KL; dense: mean squared error). With several outputs each loss is
// divided by its value before recovery and the mean is taken, so a change that helps one task at
// another's expense is judged in the tasks' own proportions, and a layer that feeds only one head
// cannot hide behind the other.
import { exposeTensors } from '../graph/expose.js';
import { constantTensor, type GraphIR } from '../graph/ir.js';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import type { ModelProto, NodeProto } from '../onnx/proto.js';
import { TensorDataType } from '../onnx/proto.js';
import { makeTensor, tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import type { ImageBatch } from '../score/images.js';
import { addDenseBatch, createDense, summarizeDense } from '../metrics/dense-metrics.js';
import type { TaskKind } from '../score/loss-task.js';
import { compareOutputs, referenceOutputs } from '../score/metric.js';
import type { AbortSignalLike, Float32Tensor, ModelRunner } from '../score/runner.js';
import { checkAborted, withModel } from '../score/runner.js';

/** One output the calibration loss reads, with the loss of its task. */
export interface CalibrationOutput {
  name: string;
  task: TaskKind;
  /** Divides the output's loss in the combined loss (its loss before recovery; 1 for one output). */
  scale: number;
}

export interface RecoveryContext {
  runner: ModelRunner;
  batches: readonly ImageBatch[];
  /** The unpruned model's outputs on the batches. */
  reference: Record<string, Float32Tensor>[];
  outputs: CalibrationOutput[];
  signal?: AbortSignalLike;
}

/** A deep copy that recovery can edit without touching models shared with the caller. */
export function privateCopy(model: ModelProto): ModelProto {
  return decodeModel(encodeModel(model), 'recovery copy');
}

/** Each calibration output's own loss (KL per image, or mean squared error) of `model` against the unpruned model. */
export async function outputLosses(model: ModelProto, ctx: Pick<RecoveryContext, 'runner' | 'batches' | 'reference' | 'outputs' | 'signal'>): Promise<number[]> {
  const outs = await referenceOutputs(model, ctx.runner, ctx.batches, ctx.signal);
  return ctx.outputs.map((o) => (o.task === 'dense' ? meanSquaredError(outs, ctx.reference, o.name) : compareOutputs(outs, ctx.reference, ctx.batches, o.name).kl));
}

/** The loss recovery must not increase: one output's loss, or the mean of several outputs' scaled losses. */
export function combineLosses(losses: readonly number[], outputs: readonly CalibrationOutput[]): number {
  if (losses.length === 1) return losses[0]!;
  return losses.reduce((a, l, i) => a + l / outputs[i]!.scale, 0) / losses.length;
}

/**
 * Scales that make every output's loss before recovery 1. An output the pruning barely touched is
 * floored at a thousandth of the largest, so float noise on it cannot outweigh the others.
 */
export function lossScales(losses: readonly number[]): number[] {
  const floor = Math.max(...losses) * 1e-3;
  return losses.map((l) => Math.max(l, floor, 1e-12));
}

/** Mean squared error of `name` against the reference over every batch (dense-metrics.ts owns the sum). */
function meanSquaredError(outs: readonly Record<string, Float32Tensor>[], reference: readonly Record<string, Float32Tensor>[], name: string): number {
  const state = createDense();
  outs.forEach((o, bi) => addDenseBatch(state, o[name]!, reference[bi]![name]!));
  return summarizeDense(state)?.mse ?? 0;
}

/** Runs `model` on every batch and returns the named tensors of each batch. */
export async function captureTensors(model: ModelProto, names: readonly string[], ctx: Pick<RecoveryContext, 'runner' | 'batches' | 'signal'>): Promise<Record<string, Float32Tensor>[]> {
  return withModel(ctx.runner, exposeTensors(model, names), async (m) => {
    const out: Record<string, Float32Tensor>[] = [];
    for (const b of ctx.batches) {
      checkAborted(ctx.signal);
      const r = await m.run(b.feeds, { signal: ctx.signal });
      out.push(Object.fromEntries(names.map((n) => [n, r[n]!])));
    }
    return out;
  });
}

/** Per-channel (axis 1) mean and mean of squares over all other axes, across batches. */
export function channelMoments(tensors: readonly Float32Tensor[]): { mean: Float64Array; meanSquare: Float64Array } {
  const c = tensors[0]!.dims[1]!;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  let count = 0;
  for (const t of tensors) {
    const n = t.dims[0]!;
    const inner = t.data.length / (n * c);
    for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * inner;
      for (let k = 0; k < inner; k++) {
        const v = t.data[base + k]!;
        sum[ch] = sum[ch]! + v;
        sq[ch] = sq[ch]! + v * v;
      }
    }
    count += n * inner;
  }
  return { mean: sum.map((v) => v / count), meanSquare: sq.map((v) => v / count) };
}

/**
 * The weight of a layer recovery may refit: a float constant. Undefined for weights that are
 * computed (QDQ models dequantize them from 8-bit integers), which recovery leaves alone.
 */
export function refittableWeight(ir: GraphIR, node: NodeProto): ReturnType<typeof constantInput> | undefined {
  const t = node.input[1] ? constantThrough(ir, node.input[1]) : undefined;
  return t && FLOAT_TYPES.has(t.dataType) ? constantInput(ir, node, 1) : undefined;
}

/** Why a layer's weight is not refitted (see refittableWeight). */
export const NOT_REFITTABLE = 'weight is not a float constant (quantized or computed): left as it is';

/**
 * The constant behind `name`, looking through Identity nodes: exporters dedupe equal tensors by
 * feeding the second reader an Identity of the first (torch: equal SE biases of a fresh EfficientNet).
 */
function constantThrough(ir: GraphIR, name: string) {
  for (let hops = 0; hops < 16; hops++) {
    const t = constantTensor(ir, name);
    if (t) return t;
    const producer = ir.producer.get(name);
    if (producer?.opType !== 'Identity' || !producer.input[0]) return undefined;
    name = producer.input[0];
  }
  return undefined;
}

/** The float values and dims of a constant input of `node` (throws when it is not constant). */
export function constantInput(ir: GraphIR, node: NodeProto, index: number): { name: string; dims: number[]; data: Float32Array } {
  const name = node.input[index];
  const t = name ? constantThrough(ir, name) : undefined;
  if (!name || !t) throw new Error(`input ${index} of ${node.opType} "${node.name}" is not a constant`);
  return { name, dims: tensorDims(t), data: Float32Array.from(tensorToFloat32(t)) };
}

const FLOAT_TYPES = new Set<number>([TensorDataType.FLOAT, TensorDataType.FLOAT16, TensorDataType.BFLOAT16, TensorDataType.DOUBLE]);

/** The element type of the model's weights (fp16 models get fp16 biases), float32 when it has none. */
function weightType(model: ModelProto): number {
  return model.graph!.initializer.find((t) => FLOAT_TYPES.has(t.dataType) && t.dims.length > 0)?.dataType ?? TensorDataType.FLOAT;
}

/**
 * Replaces (or adds) the float initializer `name` of `model`'s graph in place. Recovery computes
 * in float32; the values are written back in the tensor's own type (fp16 stays fp16), and an added
 * tensor takes the type of the model's weights. Integer (quantized) tensors are refused.
 */
export function setInitializer(model: ModelProto, name: string, dims: number[], data: ArrayLike<number>): void {
  const graph = model.graph!;
  const i = graph.initializer.findIndex((x) => x.name === name);
  const dataType = i >= 0 ? graph.initializer[i]!.dataType : weightType(model);
  if (!FLOAT_TYPES.has(dataType)) throw new Error(`"${name}" is not a float tensor (quantized weights are not refitted)`);
  const t = makeTensor(name, dims, dataType, data);
  if (i >= 0) graph.initializer[i] = t;
  else graph.initializer.push(t);
}

/**
 * Replaces (or adds) float initializers of `model` in place; returns the function that puts the
 * previous tensors back exactly (and removes the added ones).
 */
export function editInitializers(model: ModelProto, edits: readonly { name: string; dims: number[]; data: ArrayLike<number> }[]): () => void {
  const graph = model.graph!;
  const previous = edits.map((e) => graph.initializer.find((t) => t.name === e.name));
  for (const e of edits) setInitializer(model, e.name, e.dims, e.data);
  return () => {
    for (let i = edits.length - 1; i >= 0; i--) {
      const at = graph.initializer.findIndex((t) => t.name === edits[i]!.name);
      const old = previous[i];
      if (old) graph.initializer[at] = old;
      else if (at >= 0) graph.initializer.splice(at, 1);
    }
  };
}

/**
 * True when the tensor `node` reads at `index` is also read by another layer, directly or through
 * Identity nodes (tied weights: a refit for one layer would change the other, and a private copy
 * would make the "pruned" model bigger than the original).
 */
export function sharedWithOtherLayers(model: ModelProto, node: NodeProto, index: number): boolean {
  const graph = model.graph!;
  const producer = new Map(graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
  let source = node.input[index];
  if (!source) return false;
  for (let p = producer.get(source); p?.opType === 'Identity' && p.input[0]; p = producer.get(source)) source = p.input[0];
  // The source and every Identity copy of it, however deep.
  const same = new Set([source]);
  for (let size = 0; size !== same.size; ) {
    size = same.size;
    for (const n of graph.node) if (n.opType === 'Identity' && same.has(n.input[0] ?? '')) same.add(n.output[0]!);
  }
  return graph.node.some((n) => n !== node && n.opType !== 'Identity' && n.input.some((i) => same.has(i))) || node.input.filter((i) => same.has(i)).length > 1;
}

/** What an input of a layer is called in the name of a tensor written for it alone. */
const INPUT_ROLES: Readonly<Record<string, readonly string[]>> = {
  BatchNormalization: ['input', 'scale', 'bias', 'mean', 'var'],
};

/**
 * New values for constant inputs of `node` (weight, bias, statistics); returns the undo. A tensor is
 * rewritten in place only when it is an initializer that no other node reads and no graph output
 * shows. Otherwise (a Constant node's output, an Identity of a tensor the exporter deduplicated, a
 * tensor two layers share, or a bias the layer did not have) the node gets an initializer of its
 * own under a fresh name: no other layer changes and no name is defined twice.
 */
export function writeNodeInputs(model: ModelProto, node: NodeProto, edits: readonly { index: number; dims: number[]; data: ArrayLike<number> }[]): () => void {
  const graph = model.graph!;
  const inputs = [...node.input];
  const taken = new Set<string>([...graph.initializer.map((t) => t.name), ...graph.input.map((v) => v.name), ...graph.node.flatMap((n) => n.output)]);
  const named = edits.map((e) => {
    const current = node.input[e.index];
    const own = !!current && graph.initializer.some((t) => t.name === current) && !graph.output.some((o) => o.name === current) && !sharedWithOtherLayers(model, node, e.index);
    if (own) return { ...e, name: current };
    const role = (INPUT_ROLES[node.opType] ?? ['input', 'weight', 'bias'])[e.index] ?? `input${e.index}`;
    const base = `${node.name || node.output[0]}__${role}`;
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return { ...e, name };
  });
  for (const e of named) {
    while (node.input.length < e.index) node.input.push('');
    node.input[e.index] = e.name;
  }
  const undo = editInitializers(model, named);
  return () => {
    undo();
    node.input = inputs;
  };
}

/** The node of `model` with this name (recovery matches pruned and unpruned nodes by name). */
export function nodeNamed(model: ModelProto, name: string): NodeProto | undefined {
  return name ? model.graph!.node.find((n) => n.name === name) : undefined;
}

/** Per-layer outcome of a recovery method. */
export interface LayerOutcome {
  node: string;
  action: 'updated' | 'kept-original' | 'skipped';
  reason?: string;
  lossBefore?: number;
  lossAfter?: number;
}
