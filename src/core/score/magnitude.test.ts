// Magnitude scores against a direct computation on the conv weights of real exports.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/codec.js';
import { tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { buildGraph, constantTensor } from '../graph/ir.js';
import { analyseChannels } from '../graph/channels/analyse.js';
import { magnitudeScores } from './magnitude.js';

const load = (file: string) => analyseChannels(buildGraph(decodeModel(readFileSync(new URL(`../../../tools/fixtures/models/${file}`, import.meta.url)), file)));

/** Per output channel: sum of |w| or w² over the filter. */
function filterSums(data: Float32Array, dims: number[], square: boolean): number[] {
  const per = data.length / dims[0]!;
  return Array.from({ length: dims[0]! }, (_, c) => data.subarray(c * per, (c + 1) * per).reduce((s, v) => s + (square ? v * v : Math.abs(v)), 0));
}

describe('magnitudeScores', () => {
  it('is the L1 / L2 norm of each filter of a plain conv', () => {
    const a = load('vgg-flatten.onnx');
    const conv = a.ir.nodes.find((n) => n.opType === 'Conv')!;
    const w = constantTensor(a.ir, conv.input[1]!)!;
    const id = a.ir.nodeId.get(conv)!;
    const l1 = magnitudeScores(a, 'l1').get(id)!;
    const l2 = magnitudeScores(a, 'l2').get(id)!;
    const sums1 = filterSums(tensorToFloat32(w), tensorDims(w), false);
    const sums2 = filterSums(tensorToFloat32(w), tensorDims(w), true);
    sums1.forEach((v, c) => expect(l1[c]).toBeCloseTo(v, 4));
    sums2.forEach((v, c) => expect(l2[c]).toBeCloseTo(Math.sqrt(v), 4));
  });

  it('aggregates every producer of a residual group (sum of squares)', () => {
    const a = load('resnet-basic-fused.onnx');
    const g = a.groups.find((x) => x.members.filter((m) => m.role === 'Conv.weight[out]').length >= 2)!;
    const producers = a.members.filter((m) => m.kind === 'slice' && m.producer && g.spaces.includes(m.segments[0]!.space));
    const expected = new Float64Array(g.channels);
    for (const m of producers) {
      const w = constantTensor(a.ir, m.node.input[1]!)!;
      filterSums(tensorToFloat32(w), tensorDims(w), true).forEach((v, c) => (expected[c]! += v));
    }
    const got = magnitudeScores(a, 'l2').get(g.id)!;
    expected.forEach((v, c) => expect(got[c]).toBeCloseTo(Math.sqrt(v), 4));
  });
});
