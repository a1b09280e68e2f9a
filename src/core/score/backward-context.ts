// What a backward rule sees: the node being differentiated, the gradients of its outputs, which of
// its inputs need a gradient, static shapes, and a builder to emit the adjoint ops.
import type { NodeProto } from '../onnx/proto.js';
import type { GraphIR } from '../graph/ir.js';
import type { Dim, ShapeResult } from '../graph/shapes.js';
import type { GraphBuilder } from './graph-builder.js';
import { attrInt } from '../graph/attributes.js';

/** An operator on the path between a requested activation and the loss that has no backward rule. */
export class BackwardUnsupportedError extends Error {
  override readonly name = 'BackwardUnsupportedError';
}

export interface BackwardContext {
  ir: GraphIR;
  shapes: ShapeResult;
  opset: number;
  b: GraphBuilder;
  node: NodeProto;
  /** Display id of the node, for error messages. */
  nodeId: string;
  /** Gradient tensor of each output (undefined: that output does not reach the loss). */
  gradOut: (string | undefined)[];
  /** Whether each input needs a gradient. */
  needs: boolean[];
}

/** A backward rule: the gradient tensor of each input (undefined where not needed). */
export type BackwardRule = (ctx: BackwardContext) => (string | undefined)[];

/** The integers from `from` up to `to` (exclusive): axis lists. */
export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** The node's `axis` attribute (`fallback` when absent), made non-negative for a tensor of `rank`. */
export function axisOf(ctx: BackwardContext, fallback: number, rank: number): number {
  const a = attrInt(ctx.node, 'axis', fallback);
  return a < 0 ? a + rank : a;
}

/** Shape of a tensor as inferred; throws an actionable error when unknown. */
export function shapeOf(ctx: BackwardContext, name: string): Dim[] {
  const shape = ctx.shapes.tensors.get(name)?.shape;
  if (!shape) throw new BackwardUnsupportedError(`${ctx.node.opType} node "${ctx.nodeId}": the shape of "${name}" could not be inferred; the backward graph needs it (give the model static input shapes)`);
  return shape;
}

/** Shape of a tensor with every dim from `from` on a plain number (the batch dim may stay symbolic). */
export function staticDims(ctx: BackwardContext, name: string, from = 1): number[] {
  const shape = shapeOf(ctx, name);
  return shape.map((d, i) => {
    if (typeof d === 'number') return d;
    if (i < from) return -1;
    throw new BackwardUnsupportedError(`${ctx.node.opType} node "${ctx.nodeId}": dim ${i} of "${name}" is "${d}", but the backward graph needs a fixed size there`);
  });
}

/** Throws the error every rule uses for a case it cannot differentiate. */
export function unsupported(ctx: BackwardContext, why: string): never {
  throw new BackwardUnsupportedError(`cannot differentiate ${ctx.node.opType} node "${ctx.nodeId}": ${why}`);
}

/** Sums over axes (keepdims), in the form the model's opset wants (axes attribute before 13, input from 13). */
export function reduceSum(ctx: BackwardContext, x: string, axes: number[], keepdims: 1 | 0 = 1): string {
  if (ctx.opset >= 13) return ctx.b.op('ReduceSum', [x, ctx.b.ints('axes', [axes.length], axes)], { keepdims });
  return ctx.b.op('ReduceSum', [x], { axes, keepdims });
}

/** `Where(cond, g, 0)`: the gradient passed where `cond` holds. */
export function maskGrad(ctx: BackwardContext, cond: string, g: string): string {
  return ctx.b.op('Where', [cond, g, ctx.b.scalar(0)]);
}

/**
 * The gradient of a broadcasting elementwise op's input: sum `g` (shaped like the output) over the
 * axes the input was broadcast along, then reshape to the input's shape.
 */
export function unbroadcast(ctx: BackwardContext, g: string, input: string, output: string): string {
  return sumToShape(ctx, g, shapeOf(ctx, output), input);
}

/** Sums `g`, whose shape is `gShape`, over the axes along which `input` was broadcast to it, and reshapes it to `input`'s shape. */
export function sumToShape(ctx: BackwardContext, g: string, gShape: readonly Dim[], input: string): string {
  const inShape = shapeOf(ctx, input);
  const offset = gShape.length - inShape.length;
  const same = offset === 0 && inShape.every((d, i) => d === gShape[i]);
  if (same) return g;
  const axes: number[] = [];
  gShape.forEach((d, i) => {
    const src = i - offset;
    if (src < 0 || (inShape[src] === 1 && d !== 1)) axes.push(i);
    else if (inShape[src] !== d && typeof inShape[src] === 'number' && typeof d === 'number') unsupported(ctx, `cannot match "${input}" to the output shape`);
  });
  let out = axes.length ? reduceSum(ctx, g, axes) : g;
  if (offset !== 0) out = ctx.b.op('Reshape', [out, ctx.b.op('Shape', [input])]);
  return out;
}

/** Pads begin/end per spatial axis for a Conv/pool node, resolving auto_pad against static sizes. */
export function resolvePads(autoPad: string, pads: number[], inSize: number[], kernel: number[], strides: number[], dilations: number[]): { begin: number[]; end: number[] } {
  const n = inSize.length;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const begin: number[] = [];
    const end: number[] = [];
    for (let i = 0; i < n; i++) {
      const out = Math.ceil(inSize[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - inSize[i]!);
      const small = Math.floor(total / 2);
      begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
      end.push(total - begin[i]!);
    }
    return { begin, end };
  }
  if (autoPad === 'VALID') return { begin: new Array<number>(n).fill(0), end: new Array<number>(n).fill(0) };
  return { begin: pads.slice(0, n).concat(new Array<number>(Math.max(0, n - pads.length)).fill(0)).slice(0, n), end: pads.length >= 2 * n ? pads.slice(n, 2 * n) : new Array<number>(n).fill(0) };
}

/**
 * ConvTranspose attributes that make it the exact adjoint of a strided convolution: the natural
 * ConvTranspose output is cropped or extended (output_padding) so it has the forward input's size.
 */
export function adjointConvAttrs(inSize: number[], outSize: number[], kernel: number[], strides: number[], dilations: number[], pads: { begin: number[]; end: number[] }): { pads: number[]; output_padding: number[] } {
  const end = [...pads.end];
  const outputPadding: number[] = [];
  for (let i = 0; i < inSize.length; i++) {
    const natural = strides[i]! * (outSize[i]! - 1) + (kernel[i]! - 1) * dilations[i]! + 1 - pads.begin[i]! - end[i]!;
    const diff = inSize[i]! - natural;
    if (diff >= 0) outputPadding.push(diff);
    else {
      end[i] = end[i]! - diff;
      outputPadding.push(0);
    }
  }
  return { pads: [...pads.begin, ...end], output_padding: outputPadding };
}
