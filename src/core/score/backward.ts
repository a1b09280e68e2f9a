// Generates a backward graph in ONNX. onnxruntime has no training API in the browser, so to get
// ∂C/∂activation we write the vector-Jacobian products as ordinary inference ops appended to the
// forward graph, and one run of the generated model returns activations and their gradients.
//
// Loss, per output by its task (loss-task.ts), with `target` fed as an extra input of the logits' shape:
// - class / segmentation: C = Σ over images (and pixels) of cross-entropy(target, softmax(logits)
//   over the class axis); target = one-hot labels, or the unpruned model's probabilities (then C is
//   the KL divergence to them, up to a constant). ∂C/∂logits = softmax(logits) − target.
// - dense: C = ½ Σ (output − target)², target = the unpruned model's output. ∂C/∂output = output − target.
// The loss is a sum, not a mean, so each image's gradient does not depend on the batch size.
// Training heads (options): distillation at a temperature T, C = T²·KL(target ‖ softmax(logits/T)) with
// target = the teacher's softmax at T, so ∂C/∂logits = T·(softmax(logits/T) − target); optionally mixed
// with cross-entropy to labels by a fed weight w, and each output's gradient scaled by a fed factor.
// Trained initializers become graph inputs, and ∂C/∂parameter is output for each (backward-weights.ts).
import { hasFloat16, toFloat32 } from '../convert/fp32.js';
import type { ModelProto, NodeProto } from '../onnx/proto.js';
import { TensorDataType } from '../onnx/proto.js';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { tensorDims } from '../onnx/tensor.js';
import { attrInt } from '../graph/attributes.js';
import { buildGraph, defaultOpset } from '../graph/ir.js';
import { inferShapes, type Dim } from '../graph/shapes.js';
import type { BackwardContext } from './backward-context.js';
import { BackwardUnsupportedError } from './backward-context.js';
import { BACKWARD_RULES } from './backward-ops.js';
import { isDefaultDomain } from '../graph/op-traits.js';
import { GraphBuilder, makeNode, makeValueInfo } from './graph-builder.js';
import { resolveTasks, type TaskKind } from './loss-task.js';

export { BackwardUnsupportedError };

export interface BackwardOptions {
  /** Tensors whose values and gradients the generated model returns (may be empty when only parameter gradients are wanted). */
  activations: string[];
  /** Graph outputs whose loss is differentiated (default: every graph output). Their losses are summed. */
  lossOutputs?: string[];
  /** Task of an output (decides its loss); outputs not named are detected (loss-task.ts). */
  tasks?: Readonly<Record<string, TaskKind>>;
  /** Initializers to train: each is removed from the initializers and becomes a graph input of the same name, dims and
   *  type (float32 only), so one session serves every step with fresh weights. */
  trainable?: string[];
  /** Distillation head: class/segmentation outputs get ∂C/∂logits = T·(softmax(logits/T) − target) where target is fed
   *  (the teacher's softmax at T, computed by the caller); dense outputs ∂C/∂y = (y − target). Default T = 1 (today's head). */
  temperature?: number;
  /** When true, each class/segmentation output also gets an extra input `${out}__label` (one-hot, logits' shape) and the
   *  gradient becomes  w·T·(softmax(s/T) − target) + (1 − w)·(softmax(s) − label)  with w fed as scalar input `${out}__kdweight`. */
  labels?: boolean;
  /** Each loss output's gradient is multiplied by a scalar graph input `${out}__lossscale` (shape [1] or []): per-output
   *  normalisation for multi-output models, set by the caller each step. Default false. */
  lossScaleInputs?: boolean;
  /** Shapes to infer with in place of the inputs' declared dims (a model exported with dynamic H and W, scored on images of one size). */
  inputShapes?: ReadonlyMap<string, readonly Dim[]>;
}

export interface BackwardModel {
  model: ModelProto;
  /** Activation → output name of ∂C/∂activation (the activation itself is output under its own name). */
  gradientOf: Map<string, string>;
  /** Loss output → name of the extra input holding its target probabilities (shape of its logits). */
  targetOf: Map<string, string>;
  /** Loss output → the tensor treated as logits (the output itself, or the input of a final Softmax). */
  logitsOf: Map<string, string>;
  /** Loss output → the task whose loss was differentiated. */
  taskOf: Map<string, TaskKind>;
  /** Trainable initializer → output name of ∂C/∂param (same dims as the param). */
  parameterGradientOf: Map<string, string>;
}

/** Suffix of the generated gradient outputs. */
export const GRAD_SUFFIX = '__grad';
/** Suffix of the generated target inputs. */
export const TARGET_SUFFIX = '__target';
/** Suffixes of the training heads' inputs (options.labels, options.lossScaleInputs). */
export const LABEL_SUFFIX = '__label';
export const KD_WEIGHT_SUFFIX = '__kdweight';
export const LOSS_SCALE_SUFFIX = '__lossscale';

/** The oldest opset whose ops (Where, Mod, Slice with inputs, Clip with inputs) the generated graph uses. */
const MIN_OPSET = 11;

/** Ops whose output depends on their input's size only: no gradient flows through them. */
const SIZE_ONLY = new Set(['Shape', 'Size']);

/**
 * Tensors whose value depends differentiably on `starts` (including them): reachable forwards, not
 * through Shape/Size (transformer exports compute reshape targets and 1/√d scales from shapes).
 */
function descendants(nodes: NodeProto[], starts: Iterable<string>): Set<string> {
  const seen = new Set(starts);
  for (const node of nodes) {
    if (SIZE_ONLY.has(node.opType) && isDefaultDomain(node.domain)) continue;
    if (node.input.some((i) => i && seen.has(i))) node.output.forEach((o) => o && seen.add(o));
  }
  return seen;
}

/** Tensors from which `ends` can be reached (including them); `nodes` in topological order. */
export function ancestors(nodes: NodeProto[], ends: Iterable<string>): Set<string> {
  const seen = new Set(ends);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (node.output.some((o) => o && seen.has(o))) node.input.forEach((n) => n && seen.add(n));
  }
  return seen;
}

/**
 * Builds, from a forward model, a model that additionally outputs the requested activations and
 * ∂C/∂activation for each (names in the result). Throws BackwardUnsupportedError naming the first
 * operator on the path that has no backward rule. The input model is not modified.
 */
export function buildBackwardModel(source: ModelProto, options: BackwardOptions): BackwardModel {
  // fp16 models are differentiated on their float32 copy (exact widening; gradients need fp32).
  const model = decodeModel(encodeModel(hasFloat16(source) ? toFloat32(source) : source), 'backward copy');
  const opset = defaultOpset(model);
  if (opset < MIN_OPSET) throw new BackwardUnsupportedError(`the model uses opset ${opset}; gradients need opset ${MIN_OPSET} or newer (re-export with a newer opset_version)`);
  const trainable = [...new Set(options.trainable ?? [])];
  initializersToInputs(model, trainable);
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new Error(`temperature ${temperature}: must be a positive number`);
  const ir = buildGraph(model);
  const shapes = inferShapes(ir, { inputShapes: options.inputShapes });
  const graph = ir.graph;
  const nodes = [...ir.nodes];
  const b = new GraphBuilder(graph, 'bw_');
  const lossOutputs = options.lossOutputs ?? [...ir.outputs];
  for (const name of [...options.activations, ...lossOutputs]) {
    if (!ir.producer.has(name) && !ir.inputs.some((i) => i.name === name)) throw new Error(`tensor "${name}" is not produced by any node of the model`);
  }

  const grads = new Map<string, string[]>();
  const addGrad = (name: string, g: string) => grads.set(name, [...(grads.get(name) ?? []), g]);
  const targetOf = new Map<string, string>();
  const logitsOf = new Map<string, string>();
  const taskOf = new Map<string, TaskKind>();
  const tasks = resolveTasks(ir, shapes, options.tasks);
  const ctxBase = { ir, shapes, opset, b };

  for (const out of lossOutputs) {
    if (!ir.outputs.has(out)) throw new Error(`"${out}" is not a graph output; lossOutputs must name outputs`);
    const task = tasks.get(out)!;
    const { logits, axis } = task === 'dense' ? { logits: out, axis: 1 } : logitsFor(ir.producer.get(out), out, opset, shapes.tensors.get(out)?.shape?.length);
    const rank = shapes.tensors.get(logits)?.shape?.length;
    if (rank === undefined) throw new BackwardUnsupportedError(`the rank of "${logits}" is unknown; cannot build the loss head`);
    const target = `${out}${TARGET_SUFFIX}`;
    graph.input.push(makeValueInfo(target, shapes.tensors.get(logits)!.shape));
    targetOf.set(out, target);
    logitsOf.set(out, logits);
    taskOf.set(out, task);
    let g: string;
    if (task === 'dense') g = b.op('Sub', [logits, target], {}, 'dlogits');
    else {
      const soft = temperature === 1 ? undefined : softmax(b, b.op('Div', [logits, b.scalar(temperature)]), axis, rank);
      g = soft ? b.op('Mul', [b.op('Sub', [soft, target]), b.scalar(temperature)], {}, 'dlogits') : b.op('Sub', [softmax(b, logits, axis, rank), target], {}, 'dlogits');
      if (options.labels) g = mixWithLabels(b, g, logits, axis, rank, out, shapes.tensors.get(logits)!.shape!);
    }
    if (options.lossScaleInputs) {
      const scale = `${out}${LOSS_SCALE_SUFFIX}`;
      graph.input.push(makeValueInfo(scale));
      g = b.op('Mul', [g, scale], {}, 'dlogits_scaled');
    }
    addGrad(logits, g);
  }

  const relevant = descendants(nodes, [...options.activations, ...trainable]);
  const reachesLoss = ancestors(nodes, logitsOf.values());
  const sumGrads = (name: string): string | undefined => {
    const list = grads.get(name);
    if (!list?.length) return undefined;
    const total = list.length === 1 ? list[0]! : b.op('Sum', list, {}, 'gsum');
    grads.set(name, [total]);
    return total;
  };

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    const gradOut = node.output.map((o) => (o && reachesLoss.has(o) ? sumGrads(o) : undefined));
    if (gradOut.every((g) => g === undefined)) continue;
    const needs = node.input.map((n) => !!n && relevant.has(n) && reachesLoss.has(n) && !ir.initializers.has(n));
    if (!needs.some(Boolean)) continue;
    const nodeId = ir.nodeId.get(node) ?? node.opType;
    const rule = isDefaultDomain(node.domain) ? BACKWARD_RULES[node.opType] : undefined;
    if (!rule) {
      throw new BackwardUnsupportedError(`cannot differentiate ${node.domain ? `${node.domain}.` : ''}${node.opType} node "${nodeId}": no backward rule for this operator; ` +
        `pick activations after it or score with a gradient-free criterion (supported: ${Object.keys(BACKWARD_RULES).sort().join(', ')})`);
    }
    const ctx: BackwardContext = { ...ctxBase, node, nodeId, gradOut, needs };
    rule(ctx).forEach((g, k) => g && needs[k] && addGrad(node.input[k]!, g));
  }

  const gradientOf = new Map<string, string>();
  const outputs = new Set(graph.output.map((o) => o.name));
  for (const act of options.activations) {
    const total = sumGrads(act);
    if (!total) throw new Error(`activation "${act}" does not influence the loss outputs (${lossOutputs.join(', ')}); it has no gradient`);
    const name = `${act}${GRAD_SUFFIX}`;
    graph.node.push(makeNode('Identity', [total], [name], `${name}_node`));
    graph.output.push(makeValueInfo(name));
    if (!outputs.has(act)) graph.output.push(makeValueInfo(act));
    outputs.add(act);
    gradientOf.set(act, name);
  }
  const parameterGradientOf = new Map<string, string>();
  for (const param of trainable) {
    const total = sumGrads(param);
    if (!total) throw new Error(`trainable "${param}" does not influence the loss outputs (${lossOutputs.join(', ')}); leave it out of trainable`);
    const name = `${param}${GRAD_SUFFIX}`;
    graph.node.push(makeNode('Identity', [total], [name], `${name}_node`));
    graph.output.push(makeValueInfo(name));
    outputs.add(name);
    parameterGradientOf.set(param, name);
  }
  // Value info of the forward graph may be stale relative to the outputs we exposed; ORT re-infers.
  graph.valueInfo = graph.valueInfo.filter((vi) => !outputs.has(vi.name));
  return { model, gradientOf, targetOf, logitsOf, taskOf, parameterGradientOf };
}

/**
 * Turns the trainable initializers into graph inputs of the same name, dims and type, so the caller
 * feeds the current weights each step (an initializer also listed as an input, IR < 4, is listed once).
 */
export function initializersToInputs(model: ModelProto, trainable: readonly string[]): void {
  const graph = model.graph!;
  for (const name of trainable) {
    const at = graph.initializer.findIndex((t) => t.name === name);
    if (at < 0) throw new Error(`trainable "${name}" is not an initializer of the model; name weight tensors (see trainableParameters)`);
    const tensor = graph.initializer[at]!;
    if (tensor.dataType !== TensorDataType.FLOAT) {
      const type = (TensorDataType as unknown as Record<number, string>)[tensor.dataType] ?? `type ${tensor.dataType}`;
      throw new Error(`trainable "${name}" is ${type}; only float32 initializers can be trained (leave it out of trainable)`);
    }
    graph.initializer.splice(at, 1);
    graph.input = graph.input.filter((i) => i.name !== name);
    graph.input.push(makeValueInfo(name, tensorDims(tensor)));
  }
}

/**
 * Mixes a distillation gradient with cross-entropy to fed one-hot labels:
 * w·g_kd + (1 − w)·(softmax(logits) − label), w fed as `${out}__kdweight`.
 */
function mixWithLabels(b: GraphBuilder, gKd: string, logits: string, axis: number, rank: number, out: string, shape: (number | string)[]): string {
  const label = `${out}${LABEL_SUFFIX}`;
  const weight = `${out}${KD_WEIGHT_SUFFIX}`;
  b.graph.input.push(makeValueInfo(label, shape), makeValueInfo(weight));
  const hard = b.op('Sub', [softmax(b, logits, axis, rank), label], {}, 'dlogits_ce');
  const kdPart = b.op('Mul', [gKd, weight]);
  const cePart = b.op('Mul', [hard, b.op('Sub', [b.scalar(1), weight])]);
  return b.op('Add', [kdPart, cePart], {}, 'dlogits_mixed');
}

/** The logits behind an output and the class axis: a final Softmax/LogSoftmax is looked through. */
function logitsFor(producer: NodeProto | undefined, out: string, opset: number, rank: number | undefined): { logits: string; axis: number } {
  if (producer && (producer.opType === 'Softmax' || producer.opType === 'LogSoftmax')) {
    const r = rank ?? 2;
    let axis = attrInt(producer, 'axis', opset >= 13 ? -1 : 1);
    if (axis < 0) axis += r;
    if (opset < 13 && axis !== r - 1) throw new BackwardUnsupportedError(`${producer.opType} "${producer.name}" before opset 13 flattens from axis ${axis}; only a softmax over the last axis is supported`);
    return { logits: producer.input[0]!, axis };
  }
  return { logits: out, axis: 1 };
}

/** Softmax over `axis` that means the same in every opset: moved to the last axis when needed. */
function softmax(b: GraphBuilder, x: string, axis: number, rank: number): string {
  if (axis === rank - 1) return b.op('Softmax', [x], { axis });
  const perm = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis).concat([axis]);
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => (inverse[p] = i));
  const moved = b.op('Softmax', [b.op('Transpose', [x], { perm })], { axis: rank - 1 });
  return b.op('Transpose', [moved], { perm: inverse });
}
