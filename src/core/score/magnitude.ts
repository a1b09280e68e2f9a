// Weight-magnitude importance: per channel, the L1 or L2 norm of the weights that CREATE the
// channel (every producer member of its group: conv filters, Gemm/MatMul rows, depthwise filters).
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import { constantTensor, type GraphIR } from '../graph/ir.js';
import type { TensorProto } from '../onnx/proto.js';
import { tensorDims, tensorToFloat32 } from '../onnx/tensor.js';

export type MagnitudeCriterion = 'l1' | 'l2';

function constantBehind(ir: GraphIR, name: string): TensorProto | undefined {
  for (let n = name, hops = 0; hops < 8; hops++) {
    const t = constantTensor(ir, n);
    if (t) return t;
    const p = ir.producer.get(n);
    if (p?.opType !== 'Identity' || !p.input[0]) return undefined;
    n = p.input[0];
  }
  return undefined;
}

/** Sum of |w| (l1) or w² (l2) of each index along `axis`. */
function perIndex(t: TensorProto, axis: number, criterion: MagnitudeCriterion): Float64Array {
  const dims = tensorDims(t);
  const data = tensorToFloat32(t);
  const dim = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const out = new Float64Array(dim);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < dim; k++) {
      let s = 0;
      const base = (o * dim + k) * inner;
      if (criterion === 'l1') for (let i = 0; i < inner; i++) s += Math.abs(data[base + i]!);
      else for (let i = 0; i < inner; i++) s += data[base + i]! * data[base + i]!;
      out[k]! += s;
    }
  }
  return out;
}

/** Group id → one score per channel (higher = more important), aggregated over the group's producer weights. */
export function magnitudeScores(analysis: ChannelAnalysis, criterion: MagnitudeCriterion = 'l2'): Map<string, Float64Array> {
  const scores = new Map(analysis.groups.map((g) => [g.id, new Float64Array(g.channels)]));
  for (const m of analysis.members) {
    if (m.kind !== 'slice' || !m.producer) continue;
    const t = constantBehind(analysis.ir, m.node.input[m.inputIndex]!);
    if (!t) continue;
    const values = perIndex(t, m.axis, criterion);
    let offset = 0;
    for (const seg of m.segments) {
      const target = scores.get(analysis.groups[analysis.groupOfSpace[seg.space]!]!.id)!;
      for (let i = 0; i < seg.length; i++) {
        for (let b = 0; b < m.block; b++) target[seg.start + i]! += values[(offset + i) * m.block + b]!;
      }
      offset += seg.length;
    }
  }
  if (criterion === 'l2') for (const s of scores.values()) for (let i = 0; i < s.length; i++) s[i] = Math.sqrt(s[i]!);
  return scores;
}
