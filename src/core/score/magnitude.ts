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

// Four independent accumulators: the loop is latency-bound on one running sum otherwise.
function sumSquares(d: Float32Array, from: number, to: number): number {
  let a = 0, b = 0, c = 0, e = 0;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    a += d[i]! * d[i]!;
    b += d[i + 1]! * d[i + 1]!;
    c += d[i + 2]! * d[i + 2]!;
    e += d[i + 3]! * d[i + 3]!;
  }
  for (; i < to; i++) a += d[i]! * d[i]!;
  return a + b + c + e;
}

function sumAbs(d: Float32Array, from: number, to: number): number {
  let a = 0, b = 0, c = 0, e = 0;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    a += Math.abs(d[i]!);
    b += Math.abs(d[i + 1]!);
    c += Math.abs(d[i + 2]!);
    e += Math.abs(d[i + 3]!);
  }
  for (; i < to; i++) a += Math.abs(d[i]!);
  return a + b + c + e;
}

/** Sum of |w| (l1) or w² (l2) of each index along `axis`. */
function perIndex(t: TensorProto, axis: number, criterion: MagnitudeCriterion): Float64Array {
  const dims = tensorDims(t);
  const data = tensorToFloat32(t);
  const dim = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const out = new Float64Array(dim);
  const l1 = criterion === 'l1';
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < dim; k++) {
      const base = (o * dim + k) * inner;
      out[k]! += l1 ? sumAbs(data, base, base + inner) : sumSquares(data, base, base + inner);
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
