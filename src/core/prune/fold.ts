// Folding removed constant channels into their consumers' biases (the exact part of lossless
// removal). Folding a non-zero constant through a Conv is exact only without zero padding (the
// padded border would see 0, not the constant), so such channels are not offered; zero channels
// can always go.
import type { ModelProto, NodeProto, TensorProto } from '../onnx/proto.js';
import { makeTensor, tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { attrFloat, attrInt, attrInts, attrString } from '../graph/attributes.js';
import { constantTensor, type GraphIR } from '../graph/ir.js';
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import type { SliceMember } from '../graph/channels/types.js';
import { cloneMessage } from '../onnx/clone.js';
import { constantChannelValues } from './constant-channels.js';
import type { PrunePlan } from './plan.js';

/** A removable channel: group, channel index, and its constant value where consumers read it. */
export interface ConstantChannel {
  group: string;
  channel: number;
  /** Values seen by the consumers (one per consumer input; all 0 for dead channels). */
  values: number[];
}

export interface Fold {
  group: string;
  channel: number;
  member: SliceMember;
  /** Input position of the channel inside the consumer's input (before block expansion). */
  position: number;
  value: number;
}

/** Consumer weight members ("weight[in]") that read a group's channels. */
function consumerMembers(analysis: ChannelAnalysis): SliceMember[] {
  return analysis.members.filter((m): m is SliceMember => m.kind === 'slice' && /\.weight\[in\]/.test(m.role));
}

/** True when a non-zero constant input channel can be folded into this consumer's bias exactly. */
function foldable(node: NodeProto): boolean {
  if (node.opType === 'Gemm') return attrFloat(node, 'alpha', 1) === 1 && attrFloat(node, 'beta', 1) === 1;
  if (node.opType !== 'Conv' || attrInt(node, 'group', 1) !== 1) return false;
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  return (autoPad === 'NOTSET' || autoPad === 'VALID') && attrInts(node, 'pads').every((p) => p === 0);
}

/** Finds the channels that can be removed without changing the outputs, with what must be folded. */
export function findWithFolds(analysis: ChannelAnalysis): { channels: ConstantChannel[]; folds: Fold[] } {
  const values = constantChannelValues(analysis);
  const consumers = consumerMembers(analysis);
  const channels: ConstantChannel[] = [];
  const folds: Fold[] = [];
  for (const g of analysis.groups) {
    // Grouped-conv groups need equal removal per block, which constant channels rarely give.
    if (!g.prunable || g.channelStatistics || g.blocks > 1) continue;
    const uses = consumers.filter((m) => m.segments.some((s) => g.spaces.includes(s.space)));
    if (uses.length === 0) continue;
    const removable: { channel: ConstantChannel; folds: Fold[] }[] = [];
    for (let c = 0; c < g.channels; c++) {
      const seen: number[] = [];
      const pending: Fold[] = [];
      let ok = true;
      for (const m of uses) {
        const input = values.get(m.node.input[0]!);
        let offset = 0;
        for (const s of m.segments) {
          if (g.spaces.includes(s.space) && c >= s.start && c < s.start + s.length) {
            const position = offset + c - s.start;
            const v = input?.[position] ?? NaN;
            if (Number.isNaN(v) || (v !== 0 && !foldable(m.node))) ok = false;
            else {
              seen.push(v);
              if (v !== 0) pending.push({ group: g.id, channel: c, member: m, position, value: v });
            }
          }
          offset += s.length;
        }
        if (!ok) break;
      }
      if (ok && seen.length > 0) removable.push({ channel: { group: g.id, channel: c, values: seen }, folds: pending });
    }
    // A group keeps at least one channel.
    if (removable.length === g.channels) removable.pop();
    for (const r of removable) {
      channels.push(r.channel);
      folds.push(...r.folds);
    }
  }
  return { channels, folds };
}

/** Adds `v · Σ weights of input position p` to the consumer's bias (creating the bias if needed). */
function foldIntoBiases(model: ModelProto, ir: GraphIR, folds: Fold[]): ModelProto {
  if (folds.length === 0) return model;
  const deltas = new Map<NodeProto, Float64Array>();
  // One float view per weight, not per folded channel (a weight in typed fields is converted once).
  const floats = new Map<TensorProto, Float32Array>();
  for (const f of folds) {
    const node = f.member.node;
    const wt = constantTensor(ir, node.input[1]!) ?? undefined;
    if (!wt) continue;
    let w = floats.get(wt);
    if (!w) floats.set(wt, (w = tensorToFloat32(wt)));
    const dims = tensorDims(wt);
    const transB = node.opType === 'Gemm' && attrInt(node, 'transB', 0) === 1;
    const outputs = node.opType === 'Conv' || transB ? dims[0]! : dims[1]!;
    let d = deltas.get(node);
    if (!d) deltas.set(node, (d = new Float64Array(outputs)));
    const block = f.member.block;
    if (node.opType === 'Conv') {
      const perIn = dims.slice(2).reduce((a, b) => a * b, 1);
      for (let o = 0; o < outputs; o++) for (let k = 0; k < perIn; k++) d[o]! += f.value * w[(o * dims[1]! + f.position) * perIn + k]!;
    } else {
      const k = dims[transB ? 1 : 0]!;
      for (let o = 0; o < outputs; o++) {
        for (let b = 0; b < block; b++) {
          const i = f.position * block + b;
          d[o]! += f.value * w[transB ? o * k + i : i * outputs + o]!;
        }
      }
    }
  }
  const graph = model.graph!;
  const newInits: TensorProto[] = [];
  const names = new Set([...graph.initializer.map((t) => t.name), ...graph.node.flatMap((n) => n.output)]);
  const nodes = graph.node.map((node) => {
    const d = deltas.get(node);
    if (!d) return node;
    const old = node.input[2] ? constantTensor(ir, node.input[2]) : undefined;
    const base = old ? tensorToFloat32(old) : new Float32Array(d.length);
    const values = Float32Array.from(d, (v, i) => (base.length === d.length ? base[i]! : base[0] ?? 0) + v);
    let name = `${node.input[1]}_folded_bias`;
    for (let i = 1; names.has(name); i++) name = `${node.input[1]}_folded_bias${i}`;
    names.add(name);
    newInits.push(makeTensor(name, [d.length], old?.dataType ?? 1, values));
    const input = [...node.input];
    input[2] = name;
    return cloneMessage(node, { input });
  });
  return cloneMessage(model, { graph: cloneMessage(graph, { node: nodes, initializer: [...graph.initializer, ...newInits] }) });
}

/**
 * The model with the constant contribution of every channel the plan removes folded into the
 * consumers' biases. Throws when the plan removes a channel that is not provably constant.
 */
export function foldRemovedConstants(model: ModelProto, analysis: ChannelAnalysis, plan: PrunePlan): ModelProto {
  const { channels, folds } = findWithFolds(analysis);
  const constant = new Set(channels.map((c) => `${c.group}\u0000${c.channel}`));
  const removed = (group: string, channel: number) => !!plan.groups[group] && !plan.groups[group]!.keep.includes(channel);
  for (const [id, g] of Object.entries(plan.groups)) {
    const kept = new Set(g.keep);
    for (let c = 0; c < g.channels; c++) {
      if (!kept.has(c) && !constant.has(`${id}\u0000${c}`)) {
        throw new Error(`plan is marked "lossless" but removes channel ${c} of group "${id}", which is not provably constant; use another criterion name or keep that channel`);
      }
    }
  }
  return foldIntoBiases(model, analysis.ir, folds.filter((f) => removed(f.group, f.channel)));
}
