// What kind of prediction each model output makes, which decides the loss that loss-driven criteria
// (Taylor, oracle) differentiate or measure for it:
//   class         [N, C] logits or probabilities: cross-entropy to labels, else to the unpruned model
//   segmentation  [N, C, H, W] per-pixel class logits: cross-entropy per pixel over the class axis
//   dense         anything else (reconstruction, depth, heat maps): L2 to the unpruned model's output
// Detection reads the output's shape and the op that produces it; `--task NAME=KIND` overrides it.
import type { GraphIR } from '../graph/ir.js';
import { opTraits } from '../graph/op-traits.js';
import type { ShapeResult } from '../graph/shapes.js';
import type { Float32Tensor } from './runner.js';

export const TASK_KINDS = ['class', 'dense', 'segmentation'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export function isTaskKind(v: string): v is TaskKind {
  return (TASK_KINDS as readonly string[]).includes(v);
}

/** Ops that move or resample values without deciding what they mean: the head is looked for before them. */
const LOOK_THROUGH = new Set(['Identity', 'Resize', 'Upsample', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Pad', 'Slice', 'Cast']);

/**
 * The task of `output` from its shape and producer: rank 2 with more than one class → class; a
 * Softmax/LogSoftmax → class or segmentation by rank; one channel, or an element-wise activation
 * (Sigmoid, Tanh, ReLU, …) as the last real op → dense, since class logits are never squashed per
 * element; other rank ≥ 3 outputs with several channels → segmentation. Unknown shapes keep the old
 * default, class.
 */
export function detectTask(ir: GraphIR, shapes: ShapeResult, output: string): TaskKind {
  const shape = shapes.tensors.get(output)?.shape;
  if (!shape) return 'class';
  const channels = shape[1];
  let producer = ir.producer.get(output);
  while (producer && LOOK_THROUGH.has(producer.opType)) producer = ir.producer.get(producer.input[0]!);
  const head = producer?.opType ?? '';
  const isSoftmax = head === 'Softmax' || head === 'LogSoftmax';
  if (shape.length <= 2) return channels === 1 && !isSoftmax ? 'dense' : 'class';
  if (isSoftmax) return 'segmentation';
  if (channels === 1) return 'dense';
  if (opTraits(head)?.family === 'activation') return 'dense';
  return 'segmentation';
}

/** Task of every graph output: detected, then `overrides` (output name → kind); unknown names throw. */
export function resolveTasks(ir: GraphIR, shapes: ShapeResult, overrides: Readonly<Record<string, TaskKind>> = {}): Map<string, TaskKind> {
  for (const name of Object.keys(overrides)) {
    if (!ir.outputs.has(name)) throw new Error(`task for "${name}": the model has no output of that name (outputs: ${[...ir.outputs].join(', ')})`);
  }
  return new Map([...ir.outputs].map((o) => [o, overrides[o] ?? detectTask(ir, shapes, o)]));
}

/** Parses `NAME=KIND` items (the CLI's repeated `--task`). */
export function parseTaskOverrides(items: readonly string[]): Record<string, TaskKind> {
  const out: Record<string, TaskKind> = {};
  for (const item of items) {
    const at = item.lastIndexOf('=');
    const name = item.slice(0, at);
    const kind = item.slice(at + 1);
    if (at <= 0 || !isTaskKind(kind)) throw new Error(`--task "${item}": expected NAME=${TASK_KINDS.join('|')}`);
    out[name] = kind;
  }
  return out;
}

/** Parses `NAME=DROP` items (the CLI's `--task-budget`): each output's largest allowed drop, a positive number. */
export function parseTaskBudgets(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const at = item.lastIndexOf('=');
    const drop = Number(item.slice(at + 1));
    if (at <= 0 || item.slice(at + 1).trim() === '' || !(drop > 0) || !Number.isFinite(drop)) throw new Error(`--task-budget "${item}": expected NAME=DROP with DROP a positive number (0.01 = one point of accuracy, or 1 − R² of 0.01 for a dense output)`);
    out[item.slice(0, at)] = drop;
  }
  return out;
}

/** ½ Σ over positions of (out − target)², per image: the dense loss. */
export function halfSquaredErrorPerImage(out: Float32Tensor, target: Float32Tensor): Float64Array {
  const n = out.dims[0]!;
  const per = out.data.length / n;
  const loss = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = i * per; k < (i + 1) * per; k++) s += (out.data[k]! - target.data[k]!) ** 2;
    loss[i] = s / 2;
  }
  return loss;
}

/**
 * The Taylor target of a dense output: the unpruned output minus random ±1 signs. At the unpruned
 * model the L2 gradient is then the sign vector ε, and a·∂C/∂a = ε·(J·a) is a random projection of
 * the first-order output change Δy when the channel is removed: its magnitude averaged over images
 * ranks channels by ‖Δy‖ — what the L2 loss to the unpruned model measures to second order, where
 * its own gradient (zero at the unpruned model) says nothing.
 */
export function denseProbeTarget(reference: Float32Tensor, random: () => number): Float32Tensor {
  return { dims: reference.dims, data: reference.data.map((v) => v - (random() < 0.5 ? -1 : 1)) };
}
