// The oracle's masked-model path on channels-last tensors (Transpose → LayerNormalization → MatMul):
// each mask must hold its channels on the tensor's own channel axis, not on axis 1.
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/proto.js';
import { GraphBuilder } from '../graph/shape-ops/test-utils/graph-builder.js';
import { forwardOutputs, maskFeed, oracleScores, type OracleGroup } from './criteria-data.js';
import { crossEntropyPerImage, softmaxAxis1 } from './images.js';
import { nodeRunner, seededRandom } from './test-utils/ort-runner.js';

/** x [N,4,3,3] → Conv → Transpose to NHWC → LayerNorm (last axis, 8) → MatMul (8→6) → Relu → MatMul (6→5) → mean over H, W. */
function channelsLastModel(): ModelProto {
  const model = new GraphBuilder(17)
    .input('x', ['N', 4, 3, 3])
    .weight('cw', [8, 4, 1, 1]).weight('ln_scale', [8]).weight('ln_bias', [8]).weight('w1', [8, 6]).weight('w2', [6, 5])
    .node('Conv', ['x', 'cw'], ['conv'])
    .node('Transpose', ['conv'], ['nhwc'], { perm: [0, 2, 3, 1] })
    .node('LayerNormalization', ['nhwc', 'ln_scale', 'ln_bias'], ['ln'], { axis: -1 })
    .node('MatMul', ['ln', 'w1'], ['mm1'])
    .node('Relu', ['mm1'], ['act'])
    .node('MatMul', ['act', 'w2'], ['mm2'])
    .node('ReduceMean', ['mm2'], ['logits'], { axes: [1, 2], keepdims: 0 })
    .output('logits')
    .build();
  // Larger weights than the builder's ±0.1, so removing one channel moves the loss well above float noise.
  for (const t of model.graph!.initializer) t.floatData = t.floatData.map((v, i) => v * 10 + (t.name === 'ln_scale' ? 1 + (i % 3) : 0));
  return model;
}

const rand = seededRandom(3);
const batch = (n: number) => ({ feeds: { x: { dims: [n, 4, 3, 3], data: Float32Array.from({ length: n * 36 }, () => rand() * 2 - 1) } } });
const batches = [batch(3), batch(2)];

const GROUPS = new Map<string, OracleGroup>([
  ['ln', { channels: 8, tensors: [{ name: 'ln', channelAxis: 3, rank: 4, producerOutput: 'conv' }] }],
  ['mm1', { channels: 6, tensors: [{ name: 'act', channelAxis: 3, rank: 4, producerOutput: 'mm1' }] }],
]);

/** A copy of the model with channel `c` zeroed through its weights: LN scale and bias, or W1's column. */
function zeroedThroughWeights(model: ModelProto, group: string, c: number): ModelProto {
  const copy = decodeModel(encodeModel(model));
  for (const t of copy.graph!.initializer) {
    if (group === 'ln' && (t.name === 'ln_scale' || t.name === 'ln_bias')) t.floatData[c] = 0;
    if (group === 'mm1' && t.name === 'w1') for (let k = 0; k < 8; k++) t.floatData[k * 6 + c] = 0;
  }
  return copy;
}

describe('oracle on channels-last groups', () => {
  it('shapes each mask along the tensor’s channel axis', () => {
    expect(maskFeed(6, 4, 3, [2])).toEqual({ dims: [1, 1, 1, 6], data: Float32Array.from([1, 1, 0, 1, 1, 1]) });
    expect(maskFeed(3, 2, 1).dims).toEqual([1, 3]);
  });

  it('masked-model and cached sub-graph paths both equal the loss change of zeroing the channel explicitly', async () => {
    const model = channelsLastModel();
    const opts = { runner: nodeRunner, batches };
    const reference = await forwardOutputs(model, opts);
    const targets = reference.map((r) => softmaxAxis1(r.logits!));
    const loss = async (m: ModelProto) => (await forwardOutputs(m, opts)).map((r, bi) => crossEntropyPerImage(r.logits!, targets[bi]!, false));
    const base = await loss(model);
    const slow = await oracleScores(model, GROUPS, 'logits', 0, false, opts, false);
    const fast = await oracleScores(model, GROUPS, 'logits', 0, false, opts, true);
    for (const [id, g] of GROUPS) {
      const expected: number[] = [];
      for (let c = 0; c < g.channels; c++) {
        const after = await loss(zeroedThroughWeights(model, id, c));
        let delta = 0;
        after.forEach((l, bi) => l.forEach((v, i) => (delta += v - base[bi]![i]!)));
        expected.push(Math.max(0, delta / 5));
      }
      expect(expected.some((v) => v > 1e-3), `${id}: removing a channel changes the loss`).toBe(true);
      for (const got of [slow.get(id)!, fast.get(id)!]) expected.forEach((e, c) => expect(got[c], `${id} channel ${c}`).toBeCloseTo(e, 5));
    }
  });
});
