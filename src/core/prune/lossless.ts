// Lossless removal: channels whose value is provably constant are removed and their constant
// contribution is folded into the consumers' biases, so the model's outputs do not change.
// Folding a non-zero constant through a Conv is exact only without zero padding (the padded border
// would see 0, not the constant), so such channels stay; zero channels can always go.
import { type ModelProto, type NodeProto, type TensorProto } from '../onnx/proto.js';
import { makeTensor, tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { attrFloat, attrInt, attrInts, attrString } from '../graph/attributes.js';
import { buildGraph, constantTensor, type GraphIR } from '../graph/ir.js';
import { analyseChannels, type ChannelAnalysis } from '../graph/channels/analyse.js';
import type { SliceMember } from '../graph/channels/types.js';
import { applyPlan } from './apply.js';
import { cloneMessage } from './clone.js';
import { constantChannelValues } from './constant-channels.js';
import { planModelInfo, PLAN_FORMAT, PLAN_VERSION, repairPieces, type PrunePlan } from './plan.js';

/** A removable channel: group, channel index, and its constant value where consumers read it. */
export interface ConstantChannel {
  group: string;
  channel: number;
  /** Values seen by the consumers (one per consumer input; all 0 for dead channels). */
  values: number[];
}

interface Fold {
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

function analyse(model: ModelProto): ChannelAnalysis {
  return analyseChannels(buildGraph(model));
}

/** Finds the channels that can be removed without changing the outputs, with what must be folded. */
function findWithFolds(analysis: ChannelAnalysis): { channels: ConstantChannel[]; folds: Fold[] } {
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

/** Channels whose output is provably constant and can be removed losslessly (see removeConstantChannels). */
export function findConstantChannels(model: ModelProto, analysis: ChannelAnalysis = analyse(model)): ConstantChannel[] {
  return findWithFolds(analysis).channels;
}

/** A plan that removes exactly the given channels (Split/Slice pieces keep at least one). */
export function planFromChannels(model: ModelProto, analysis: ChannelAnalysis, channels: readonly ConstantChannel[], criterion = 'lossless'): PrunePlan {
  const drop = new Map<string, Set<number>>();
  for (const c of channels) {
    let set = drop.get(c.group);
    if (!set) drop.set(c.group, (set = new Set()));
    set.add(c.channel);
  }
  const keep = new Map<string, number[]>();
  for (const g of analysis.groups) {
    const d = drop.get(g.id);
    if (d) keep.set(g.id, Array.from({ length: g.channels }, (_, i) => i).filter((i) => !d.has(i)));
  }
  repairPieces(analysis, keep);
  const groups: PrunePlan['groups'] = {};
  for (const g of analysis.groups) {
    const k = keep.get(g.id);
    if (k && k.length < g.channels) groups[g.id] = { channels: g.channels, keep: k };
  }
  return { format: PLAN_FORMAT, version: PLAN_VERSION, model: planModelInfo(model), criterion, groups };
}

/** Adds `v · Σ weights of input position p` to the consumer's bias (creating the bias if needed). */
function foldIntoBiases(model: ModelProto, ir: GraphIR, folds: Fold[]): ModelProto {
  if (folds.length === 0) return model;
  const deltas = new Map<NodeProto, Float64Array>();
  for (const f of folds) {
    const node = f.member.node;
    const wt = constantTensor(ir, node.input[1]!) ?? undefined;
    if (!wt) continue;
    const w = tensorToFloat32(wt);
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

/** Removes every provably constant channel, folding constants into consumer biases: outputs stay the same. */
export function removeConstantChannels(model: ModelProto): { model: ModelProto; plan: PrunePlan; channels: ConstantChannel[] } {
  const analysis = analyse(model);
  const { channels, folds } = findWithFolds(analysis);
  const plan = planFromChannels(model, analysis, channels);
  // Only channels that really go are folded (a Split/Slice piece may have kept one back).
  const removed = folds.filter((f) => plan.groups[f.group] && !plan.groups[f.group]!.keep.includes(f.channel));
  const folded = foldIntoBiases(model, analysis.ir, removed);
  return { model: applyPlan(folded, plan), plan, channels };
}
