// Which weighted layers (Conv, ConvTranspose, Gemm) lost input channels under a plan, and which input positions
// they kept: what bias correction and least-squares reconstruction work on.
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import { attrInt } from '../graph/attributes.js';
import { constantTensor } from '../graph/ir.js';
import type { NodeProto } from '../onnx/proto.js';
import { keepBySpace, type PrunePlan } from '../prune/plan.js';

export interface PrunedInputLayer {
  node: NodeProto;
  /** The layer's data input (in the unpruned model). */
  input: string;
  /** Positions along the input's channel axis (axis 1; a MatMul's last axis) in the unpruned model. */
  removed: number[];
  kept: number[];
  /** Output channels (axis 1; a MatMul's last axis) of the unpruned layer that the pruned layer still has. */
  keptOutputs: number[];
}

/** Positions along a layout's axis whose channels the plan keeps. */
function keptPositions(layout: { segments: { space: number; start: number; length: number }[]; block: number }, keep: Map<number, number[]>): { kept: number[]; removed: number[] } {
  const removed: number[] = [];
  const kept: number[] = [];
  let p = 0;
  for (const seg of layout.segments) {
    const k = keep.get(seg.space);
    const keptSet = k ? new Set(k) : undefined;
    for (let c = 0; c < seg.length; c++) {
      const isKept = !keptSet || keptSet.has(seg.start + c);
      for (let b = 0; b < layout.block; b++, p++) (isKept ? kept : removed).push(p);
    }
  }
  return { kept, removed };
}

/**
 * Conv and ConvTranspose (any group) and Gemm layers whose data input lost channels, in graph order. With
 * `downstream`, also every such layer whose input merely changed because something before it was
 * pruned (its input is not a graph input): least squares can compensate those too. With `matmul`,
 * also MatMuls by a constant matrix that read their channels on the last axis (transformers' linear
 * layers; only recoveries that handle that layout ask for them).
 */
export function prunedInputLayers(analysis: ChannelAnalysis, plan: PrunePlan, downstream = false, matmul = false): PrunedInputLayer[] {
  const keep = keepBySpace(plan, analysis);
  const out: PrunedInputLayer[] = [];
  for (const node of analysis.ir.nodes) {
    const isConv = node.opType === 'Conv' || node.opType === 'ConvTranspose';
    const isGemm = node.opType === 'Gemm' && attrInt(node, 'transA', 0) === 0;
    const isMatMul = matmul && isConstantMatMul(analysis, node);
    if (!isConv && !isGemm && !isMatMul) continue;
    const input = node.input[0]!;
    const layout = analysis.layouts.get(input);
    if (!layout || !readsFeaturesOn(layout, isMatMul)) continue;
    const { kept, removed } = keptPositions(layout, keep);
    if (!downstream && !removed.length) continue;
    const outLayout = analysis.layouts.get(node.output[0]!);
    const outShape = analysis.shapes.tensors.get(node.output[0]!)?.shape;
    const outputs = isMatMul ? outShape?.at(-1) : outShape?.[1];
    const keptOutputs = outLayout ? keptPositions(outLayout, keep).kept : Array.from({ length: typeof outputs === 'number' ? outputs : 0 }, (_, i) => i);
    if (removed.length || (downstream && !analysis.ir.inputs.some((i) => i.name === input))) out.push({ node, input, removed, kept, keptOutputs });
  }
  return out;
}

/** A MatMul whose second operand is a constant [K, M] matrix: a linear layer without its bias Add. */
export function isConstantMatMul(analysis: ChannelAnalysis, node: NodeProto): boolean {
  if (node.opType !== 'MatMul' || !node.input[1]) return false;
  const w = constantTensor(analysis.ir, node.input[1]);
  return !!w && w.dims.length === 2;
}

/**
 * Whether a layer reads its input features along this layout's axis: a Conv/ConvTranspose/Gemm along
 * axis 1, a MatMul by a constant along the last axis (one entry per channel there).
 */
export function readsFeaturesOn(layout: { axis: number; rank: number; block: number }, matmul: boolean): boolean {
  return matmul ? layout.axis === layout.rank - 1 && layout.block === 1 : layout.axis === 1;
}
