// Test oracle: the ORIGINAL model with every pruned channel zeroed by a 0/1 mask after every node
// output that carries it. Removing channels must give the same outputs as masking them. A mean over
// the channel axis (decomposed LayerNorm) is rescaled from C to the kept count, so the oracle's
// statistics are those of the kept channels, which is what removal computes.
import type { ModelProto, NodeProto, TensorProto } from '../../onnx/proto.js';
import { TensorDataType } from '../../onnx/proto.js';
import { makeTensor } from '../../onnx/tensor.js';
import type { ChannelAnalysis } from '../../graph/channels/analyse.js';
import { keptPositions, layoutPositions } from '../../graph/channels/segments.js';
import { cloneMessage } from '../../onnx/clone.js';
import { keepBySpace, repairPieces, type PrunePlan } from '../plan.js';
import { seededRandom } from '../../random.js';

const FLOAT_TYPES = new Set<number>([TensorDataType.FLOAT, TensorDataType.FLOAT16, TensorDataType.DOUBLE, TensorDataType.BFLOAT16]);

function mulNode(a: string, b: string, out: string): NodeProto {
  return { input: [a, b], output: [out], name: `${out}__masking`, opType: 'Mul', domain: '', docString: '', attribute: [] } as unknown as NodeProto;
}

/** The model with pruned channels masked to zero (the plan is validated like applyPlan does). */
export function maskedReference(model: ModelProto, plan: PrunePlan, analysis: ChannelAnalysis): ModelProto {
  const keep = keepBySpace(plan, analysis);
  const graph = model.graph!;
  const nodes: NodeProto[] = [];
  const inits = [...graph.initializer];
  for (const node of graph.node) {
    const masks: NodeProto[] = [];
    const outputs = node.output.map((out) => {
      const layout = analysis.layouts.get(out);
      // Heads merged with the batch axis ([T, B·h, d]) have no static mask; the tensors around them are masked.
      const kept = layout && layout.outer === undefined ? keptPositions(layout.segments, keep, layout.block, layout.unit) : undefined;
      // Zeroing is defined on real values: quantized (integer) tensors are masked where they are
      // float again, after DequantizeLinear (a zeroed float quantizes to the zero point).
      const dataType = analysis.shapes.tensors.get(out)?.dataType ?? TensorDataType.FLOAT;
      if (!layout || !kept || !FLOAT_TYPES.has(dataType)) return out;
      const n = layoutPositions(layout);
      const values = new Float32Array(n);
      for (const k of kept) values[k] = 1;
      const dims = Array.from({ length: layout.rank }, (_, i) => (i === layout.axis ? n : 1));
      const maskName = `${out}__mask`;
      // The mask has the tensor's own element type (fp16 models multiply fp16 by fp16).
      inits.push(makeTensor(maskName, dims, dataType, values));
      masks.push(mulNode(`${out}__raw`, maskName, out));
      return `${out}__raw`;
    });
    const rescale = meanOverKeptChannels(node, analysis, keep, outputs, inits);
    nodes.push(masks.length || rescale ? cloneMessage(node, { output: outputs }) : node, ...masks, ...(rescale ? [rescale] : []));
  }
  return cloneMessage(model, { graph: cloneMessage(graph, { node: nodes, initializer: inits, valueInfo: [] }) });
}

/**
 * For a ReduceMean over the channel axis of a pruned tensor: renames its output (in `outputs`) and
 * returns the Mul by C / kept that restores it, so the mean is over the kept channels.
 */
function meanOverKeptChannels(node: NodeProto, analysis: ChannelAnalysis, keep: ReturnType<typeof keepBySpace>, outputs: string[], inits: TensorProto[]): NodeProto | undefined {
  const layout = node.opType === 'ReduceMean' ? analysis.layouts.get(node.input[0]!) : undefined;
  if (!layout || analysis.layouts.has(node.output[0]!)) return undefined;
  const kept = keptPositions(layout.segments, keep, layout.block, layout.unit);
  if (!kept) return undefined;
  const out = node.output[0]!;
  const factor = `${out}__kept_mean`;
  inits.push(makeTensor(factor, [], TensorDataType.FLOAT, new Float32Array([layoutPositions(layout) / kept.length])));
  outputs[0] = `${out}__all_mean`;
  return mulNode(outputs[0], factor, out);
}

/**
 * A random plan over the prunable groups. Groups with channel statistics are left whole unless
 * `statistics` (masking equals removal there only where the statistic is a ReduceMean, which the
 * oracle rescales: decomposed LayerNorm).
 */
export function randomPlan(analysis: ChannelAnalysis, seed: number, maxRatio = 0.7, statistics = false): PrunePlan {
  const rand = seededRandom(seed);
  const groups: PrunePlan['groups'] = {};
  for (const g of analysis.groups) {
    if (!g.prunable || (g.channelStatistics && !statistics) || rand() < 0.25) continue;
    // Attention heads: whole heads (units) are dropped, planned as one channel per head.
    if (g.unit > 1) {
      const heads = Array.from({ length: g.channels / g.unit }, (_, h) => h);
      const drop = Math.min(heads.length - 1, Math.floor(heads.length * maxRatio * rand()) + 1);
      if (drop <= 0) continue;
      for (let i = heads.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [heads[i], heads[j]] = [heads[j]!, heads[i]!];
      }
      const keep = heads.slice(drop).sort((a, b) => a - b).flatMap((h) => Array.from({ length: g.unit }, (_, j) => h * g.unit + j));
      groups[g.id] = { channels: g.channels, keep };
      continue;
    }
    // Grouped convolutions: the same number dropped from each block.
    const size = g.channels / g.blocks;
    const drop = Math.min(size - 1, Math.floor(size * maxRatio * rand()) + 1);
    if (drop <= 0) continue;
    const keep: number[] = [];
    for (let blk = 0; blk < g.blocks; blk++) {
      const idx = Array.from({ length: size }, (_, i) => blk * size + i);
      for (let i = idx.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [idx[i], idx[j]] = [idx[j]!, idx[i]!];
      }
      keep.push(...idx.slice(drop));
    }
    groups[g.id] = { channels: g.channels, keep: keep.sort((a, b) => a - b) };
  }
  repairGroups(analysis, groups);
  return { format: 'prune-studio-plan', version: 1, model: { graph: '', producer: '', nodes: 0 }, criterion: 'random', groups };
}

/** A plan that drops the lower half of every prunable group without channel statistics. */
export function halfPlan(analysis: ChannelAnalysis): PrunePlan {
  const plan = randomPlan(analysis, 0, 0);
  plan.groups = {};
  for (const g of analysis.groups) {
    const size = g.channels / g.blocks;
    if (!g.prunable || g.channelStatistics || size < 2) continue;
    // Heads: the lower half of the heads.
    const from = g.unit > 1 ? Math.floor(g.channels / g.unit / 2) * g.unit : Math.floor(size / 2);
    const keep = Array.from({ length: g.blocks }, (_, blk) => Array.from({ length: size - from }, (_, i) => blk * size + from + i)).flat();
    plan.groups[g.id] = { channels: g.channels, keep };
  }
  repairGroups(analysis, plan.groups);
  return plan;
}

function repairGroups(analysis: ChannelAnalysis, groups: PrunePlan['groups']): void {
  const map = new Map(Object.entries(groups).map(([id, g]) => [id, g.keep]));
  repairPieces(analysis, map);
}
