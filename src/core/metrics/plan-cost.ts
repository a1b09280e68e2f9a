// Params, MACs and bytes of a pruned model WITHOUT pruning it: the studio re-costs the plan on
// every slider change, and applying a plan to ResNet-50 takes ~0.4 s. Equal, by construction and
// by test (plan-cost.fixtures.test.ts), to computeMetrics of applyPlan's result.
//
// How: surgery only changes the dims of constants (apply.ts slices weights and rewrites shape
// entries) and the channel dim of activations (their layouts). So the constants every node reads,
// and the member ops on them, are listed once per model; a re-cost then gives each rewritten
// constant its new dims, and each MAC layer its new input/output/weight shapes (nodeMacs itself
// counts them, so the MAC conventions stay in one place). Tensor identity follows apply's rewrite:
// one new tensor per constant source and distinct set of ops (shared weights sliced alike stay one
// tensor, in place), the original for reads that nothing rewrites.
import { constantTensor, constantThroughIdentity, defaultOpset } from '../graph/ir.js';
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import { keptCount, keptPositions, segmentsLength, type KeepBySpace } from '../graph/channels/segments.js';
import { memberSegments } from '../graph/channels/analyse.js';
import type { ChannelLayout, Member, Segment } from '../graph/channels/types.js';
import type { Dim, ShapeResult, TensorInfo } from '../graph/shapes.js';
import { mulDim } from '../graph/shape-ops/dims.js';
import type { NodeProto, TensorProto } from '../onnx/proto.js';
import { TensorDataType } from '../onnx/proto.js';
import { bytesPerElement, tensorDims, tensorSize } from '../onnx/tensor.js';
import { keepBySpace, type PrunePlan } from '../prune/plan.js';
import { batchDimOf, MAC_OPS, nodeMacs, type BatchDim } from './macs.js';
import { forwardsConstant, PARAM_TYPES, sourceConstant } from './model-metrics.js';

/** Totals of a (pruned) model, as ModelMetrics has them. */
export interface PlanCostTotals {
  params: number;
  bytes: number;
  macs: number;
  /** Nodes whose MACs are unknown (macs is then a lower bound). */
  macsUnknown: number;
}

/** What one member does to one constant input (the TensorOp of apply.ts, before the plan). */
type InputOp =
  | { kind: 'slice'; axis: number; segments: Segment[]; block: number; unit?: number }
  | { kind: 'grouped'; segments: Segment[]; blocks: number }
  | { kind: 'entry'; position: number; value: (keep: KeepBySpace) => number; touches: Segment[] };

/** A constant input that members rewrite. */
interface RewrittenInput {
  /** apply's grouping key: the source's name, or the forwarded input name (never rewritten in place). */
  key: string;
  dims: number[];
  dataType: number;
  ops: InputOp[];
}

/** One constant a node reads: metrics' source tensor, and its rewrite when members touch it. */
interface ConstantRead {
  tensor: TensorProto;
  rewrite?: RewrittenInput;
}

interface MacLayer {
  node: NodeProto;
  /** Per name of the node's inputs/outputs: its rewrite (constants) or channel layout (activations). */
  names: { name: string; info: TensorInfo | undefined; rewrite?: RewrittenInput; layout?: ChannelLayout }[];
}

/** The per-model precomputation; cost it with `costOfPlan`. */
export interface PlanCostModel {
  analysis: ChannelAnalysis;
  /** Per node (not a forwarder), the constants it reads (totals count each tensor once). */
  reads: ConstantRead[][];
  macLayers: MacLayer[];
  /** Non-MAC nodes' MACs are 0; their count is the same in every pruned model. */
  batch: BatchDim;
  /**
   * INT64 initializers pruning adds when any of the segments lose channels: sizes of Splits given
   * none (opset ≥ 13), computed shape entries made constants (`freed`: the constant the entry read
   * before, which surgery's dead-value sweep then drops).
   */
  addedInt64: { segments: Segment[]; length: number; freed?: TensorProto }[];
}

/** Ops whose output has the shape of their first input (weights pass them on the way to a layer). */
const SHAPE_KEEPING = new Set(['DequantizeLinear', 'Identity', 'Cast']);

const inputKey = (node: number, input: number) => `${node}:${input}`;

/**
 * Precomputes the costing of plans on `analysis`'s model, or undefined when some rewrite cannot
 * be costed exactly (the caller then applies the plan and measures the result).
 */
export function planCostModel(analysis: ChannelAnalysis): PlanCostModel | undefined {
  const { ir, shapes } = analysis;
  const nodeIndex = new Map(ir.nodes.map((n, i) => [n, i]));
  const rewrites = new Map<string, RewrittenInput>();
  const addedInt64: PlanCostModel['addedInt64'] = [];
  const opset = defaultOpset(ir.model);
  const addOp = (node: NodeProto, inputIndex: number, op: InputOp): boolean => {
    const k = inputKey(nodeIndex.get(node)!, inputIndex);
    let r = rewrites.get(k);
    if (!r) {
      const inputName = node.input[inputIndex];
      const src = constantThroughIdentity(ir, inputName);
      if (!src || !inputName) return false; // apply would throw: not a constant
      r = { key: src.name === inputName ? src.name : `\u0000${inputName}`, dims: tensorDims(src.tensor), dataType: src.tensor.dataType, ops: [] };
      rewrites.set(k, r);
    }
    r.ops.push(op);
    return true;
  };
  // Members of groups no plan can prune never change anything.
  const live = (m: Member) => memberSegments(m).some((seg) => analysis.groups[analysis.groupOfSpace[seg.space]!]!.prunable);
  for (const m of analysis.members) {
    if (!live(m)) continue;
    if (!listMember(m, opset, addOp, addedInt64)) return undefined;
    if (m.kind === 'computed-entry') addedInt64.at(-1)!.freed = freedConstant(analysis, m.node.input[m.inputIndex]);
  }
  for (const r of rewrites.values()) {
    // Two slices of one axis, or a slice of the grouped axis, compose in ways not mirrored here.
    const axes = r.ops.flatMap((op) => (op.kind === 'slice' ? [op.axis] : op.kind === 'grouped' ? [1] : []));
    if (new Set(axes).size !== axes.length) return undefined;
  }

  // A weight dequantized (or cast) on the fly has the shape of the constant the members slice.
  const rewriteBehind = (name: string): RewrittenInput | undefined => {
    for (let p = ir.producer.get(name), depth = 0; p && SHAPE_KEEPING.has(p.opType) && depth < 8; p = ir.producer.get(p.input[0] ?? ''), depth++) {
      const r = rewrites.get(inputKey(nodeIndex.get(p)!, 0));
      if (r) return r;
    }
    return undefined;
  };
  const reads: ConstantRead[][] = [];
  const macLayers: MacLayer[] = [];
  ir.nodes.forEach((node, i) => {
    const own: ConstantRead[] = [];
    if (!forwardsConstant(ir, node)) {
      node.input.forEach((input, j) => {
        const t = input ? sourceConstant(ir, input) : undefined;
        if (t) own.push({ tensor: t, rewrite: rewrites.get(inputKey(i, j)) });
      });
    }
    reads.push(own);
    if (MAC_OPS.has(node.opType)) {
      const names = [...node.input.map((name, j) => ({ name, rewrite: rewrites.get(inputKey(i, j)) ?? rewriteBehind(name) })), { name: node.output[0] ?? '', rewrite: undefined }]
        .filter((n) => n.name)
        .map((n) => ({ ...n, info: shapes.tensors.get(n.name), layout: analysis.layouts.get(n.name) }));
      macLayers.push({ node, names });
    }
  });
  const firstInput = ir.inputs[0]?.name;
  const batch = batchDimOf(firstInput ? shapes.tensors.get(firstInput)?.shape : undefined);
  return { analysis, reads, macLayers, batch, addedInt64 };
}

/** The constant behind `name` (an initializer or Constant node, through Identity) when `name` is read only there: replacing it leaves the constant dead. */
function freedConstant(analysis: ChannelAnalysis, name: string | undefined): TensorProto | undefined {
  const { ir } = analysis;
  let n = name;
  for (let depth = 0; n && depth < 8; depth++) {
    if ((ir.consumers.get(n)?.length ?? 0) !== 1 || ir.outputs.has(n)) return undefined;
    const t = constantTensor(ir, n);
    if (t) return t;
    const p = ir.producer.get(n);
    if (p?.opType !== 'Identity') return undefined;
    n = p.input[0];
  }
  return undefined;
}

/** Lists what member `m` rewrites (as planMember in apply.ts does); false when it cannot be mirrored. */
function listMember(m: Member, opset: number, addOp: (node: NodeProto, input: number, op: InputOp) => boolean, addedInt64: PlanCostModel['addedInt64']): boolean {
  switch (m.kind) {
    case 'slice':
      return addOp(m.node, m.inputIndex, { kind: 'slice', axis: m.axis, segments: m.segments, block: m.block, unit: m.unit });
    case 'grouped-in':
      return addOp(m.node, m.inputIndex, { kind: 'grouped', segments: m.segments, blocks: m.blocks });
    case 'shape-entry':
      return addOp(m.node, m.inputIndex, { kind: 'entry', position: m.position, value: (keep) => keptCount(m.segments, keep) * m.block, touches: m.segments });
    case 'group-attr':
      return true; // an attribute: no constant changes
    case 'computed-entry':
      // The input becomes a new INT64 constant; what computed it before holds no initializer of its own.
      addedInt64.push({ segments: [...m.segments, ...(m.alsoWhen ?? [])], length: (m.dims ?? [1]).reduce((a, b) => a * b, 1) });
      return true;
    case 'slice-range': {
      if (opset < 10) return true; // starts/ends are attributes
      const touches = [...m.before, ...m.inside];
      const start = (keep: KeepBySpace) => keptCount(m.before, keep) * m.block;
      return addOp(m.node, 1, { kind: 'entry', position: m.axesIndex, value: start, touches }) &&
        addOp(m.node, 2, { kind: 'entry', position: m.axesIndex, value: (keep) => start(keep) + keptCount(m.inside, keep) * m.block, touches });
    }
    case 'split': {
      if (opset < 13) return true;
      const touches = m.outputs.flat();
      if (!m.node.input[1]) {
        addedInt64.push({ segments: touches, length: m.outputs.length });
        return true;
      }
      return m.outputs.every((o, i) => addOp(m.node, 1, { kind: 'entry', position: i, value: (keep) => keptCount(o, keep) * m.block, touches }));
    }
  }
}

function touchesOf(op: InputOp): readonly Segment[] {
  return op.kind === 'entry' ? op.touches : op.segments;
}

/** The ops apply would do for a plan (the ones whose segments lose channels). */
function activeOps(r: RewrittenInput, keep: KeepBySpace): InputOp[] {
  return r.ops.filter((op) => lossAny(touchesOf(op), keep));
}

/** True when `segments` lose channels under `keep` (apply then does the member's op). */
function lossAny(segments: readonly Segment[], keep: KeepBySpace): boolean {
  for (const s of segments) {
    const kept = keep.get(s.space);
    if (!kept) continue;
    let n = 0;
    for (const k of kept) if (k >= s.start && k < s.start + s.length) n++;
    if (n < s.length) return true;
  }
  return false;
}

/** New dims of a rewritten constant under `ops`. */
function rewrittenDims(r: RewrittenInput, ops: InputOp[], keep: KeepBySpace): number[] {
  const dims = [...r.dims];
  for (const op of ops) {
    // A per-head constant keeps one entry per kept head (unit channels each).
    if (op.kind === 'slice') dims[op.axis] = (keptCount(op.segments, keep) / (op.unit ?? 1)) * op.block;
    else if (op.kind === 'grouped') dims[1] = keptCount(op.segments, keep) / op.blocks;
  }
  return dims;
}

/** apply's signature of a set of ops (it gives each distinct signature of a source its own tensor). */
function signature(ops: InputOp[], keep: KeepBySpace): string {
  return JSON.stringify(ops.map((op) => {
    switch (op.kind) {
      case 'slice': return { kind: 'slice', axis: op.axis, keep: keptPositions(op.segments, keep, op.block, op.unit) };
      case 'entry': return { kind: 'entry', position: op.position, value: op.value(keep) };
      case 'grouped': {
        const kept = keptPositions(op.segments, keep)!;
        const size = segmentsLength(op.segments) / op.blocks;
        return { kind: 'grouped', local: Array.from({ length: op.blocks }, (_, b) => kept.filter((p) => p >= b * size && p < (b + 1) * size).map((p) => p - b * size)) };
      }
    }
  }));
}

interface CostedTensor {
  id: unknown;
  size: number;
  dataType: number;
  dims?: number[];
}

/** Each rewritten read → its tensor under `keep` (undefined: unchanged); reads of one key with equal ops share one. */
function costRewrites(pcm: PlanCostModel, keep: KeepBySpace): Map<RewrittenInput, CostedTensor | undefined> {
  const costed = new Map<RewrittenInput, CostedTensor | undefined>();
  const byKey = new Map<string, { r: RewrittenInput; ops: InputOp[] }[]>();
  for (const node of pcm.reads) {
    for (const read of node) {
      if (!read.rewrite || costed.has(read.rewrite)) continue;
      const ops = activeOps(read.rewrite, keep);
      if (ops.length === 0) {
        costed.set(read.rewrite, undefined);
        continue;
      }
      const dims = rewrittenDims(read.rewrite, ops, keep);
      costed.set(read.rewrite, { id: read.rewrite, size: dims.reduce((a, b) => a * b, 1), dataType: read.rewrite.dataType, dims });
      let list = byKey.get(read.rewrite.key);
      if (!list) byKey.set(read.rewrite.key, (list = []));
      list.push({ r: read.rewrite, ops });
    }
  }
  for (const [key, list] of byKey) {
    if (list.length < 2) continue;
    for (const { r, ops } of list) costed.get(r)!.id = `${key}\u0000${signature(ops, keep)}`;
  }
  return costed;
}

/** MACs of one layer of the pruned model (undefined when its shapes are unknown). */
function layerMacs(pcm: PlanCostModel, layer: MacLayer, costed: Map<RewrittenInput, CostedTensor | undefined>, keep: KeepBySpace): number | undefined {
  const tensors = new Map<string, TensorInfo>();
  for (const n of layer.names) {
    const info = prunedInfo(n, costed, keep);
    if (info) tensors.set(n.name, info);
  }
  const count = nodeMacs(layer.node, { tensors, unknownNodes: [] } satisfies ShapeResult, pcm.batch);
  return 'macs' in count ? count.macs : undefined;
}

/** One MAC layer (Conv, Gemm, MatMul …) of a pruned model: its node id and per-sample MACs. */
export interface LayerMacs {
  /** GraphIR.nodeId of the layer (the id the studio's summary uses). */
  node: string;
  /** Per-sample MACs after the plan; undefined when unknown (dynamic shapes). */
  macs?: number;
}

/**
 * Per-layer MACs of `applyPlan(model, plan, analysis)`, in graph order, without applying it (the
 * studio's architecture chart). The layers' sum is costOfPlan's `macs`; undefined for lossless
 * plans, as there.
 */
export function layerMacsOfPlan(pcm: PlanCostModel, plan: PrunePlan): LayerMacs[] | undefined {
  if (plan.criterion === 'lossless') return undefined;
  const keep = keepBySpace(plan, pcm.analysis);
  const costed = costRewrites(pcm, keep);
  const ids = pcm.analysis.ir.nodeId;
  return pcm.macLayers.map((layer) => {
    const macs = layerMacs(pcm, layer, costed, keep);
    return { node: ids.get(layer.node) ?? layer.node.name, ...(macs === undefined ? {} : { macs }) };
  });
}

/**
 * Params, MACs and bytes of `applyPlan(model, plan, analysis)`, computed without applying it.
 * Throws for invalid plans as applyPlan does. Undefined for lossless plans: apply first folds the
 * removed constant channels into other biases, a rewrite not mirrored here (apply and measure).
 */
export function costOfPlan(pcm: PlanCostModel, plan: PrunePlan): PlanCostTotals | undefined {
  if (plan.criterion === 'lossless') return undefined;
  const keep = keepBySpace(plan, pcm.analysis);
  const costed = costRewrites(pcm, keep);

  const counted = new Set<unknown>();
  let params = 0;
  let bytes = 0;
  const add = (id: unknown, size: number, dataType: number) => {
    if (counted.has(id)) return;
    counted.add(id);
    params += PARAM_TYPES.has(dataType) && size > 1 ? size : 0;
    bytes += size * bytesPerElement(dataType);
  };
  for (const s of pcm.addedInt64) {
    if (!lossAny(s.segments, keep)) continue;
    add(s, s.length, TensorDataType.INT64);
    if (s.freed) counted.add(s.freed); // replaced, then swept as dead: not in the pruned model
  }
  for (const node of pcm.reads) {
    for (const read of node) {
      const c = read.rewrite ? costed.get(read.rewrite) : undefined;
      if (c) add(c.id, c.size, c.dataType);
      else add(read.tensor, tensorSize(read.tensor), read.tensor.dataType);
    }
  }

  let macs = 0;
  let macsUnknown = 0;
  for (const layer of pcm.macLayers) {
    const m = layerMacs(pcm, layer, costed, keep);
    if (m === undefined) macsUnknown++;
    else macs += m;
  }
  return { params, bytes, macs, macsUnknown };
}

/** The shape a MAC layer's input/output has in the pruned model. */
function prunedInfo(n: MacLayer['names'][number], costed: Map<RewrittenInput, CostedTensor | undefined>, keep: KeepBySpace): TensorInfo | undefined {
  const dims = n.rewrite ? costed.get(n.rewrite)?.dims : undefined;
  if (dims) return { ...n.info, shape: dims } as TensorInfo;
  const layout = n.layout;
  const shape = n.info?.shape;
  if (!layout || !shape || !lossAny(layout.segments, keep)) return n.info;
  const pruned: Dim[] = [...shape];
  // Heads: a position is a head of `unit` channels, and MultiheadAttention folds the batch in (outer).
  const positions = (keptCount(layout.segments, keep) / (layout.unit ?? 1)) * layout.block;
  pruned[layout.axis] = layout.outer === undefined ? positions : mulDim(layout.outer, positions);
  return { ...n.info, shape: pruned } as TensorInfo;
}
