import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph, constantTensor } from '../graph/ir.js';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { Long, onnx, TensorDataType, type ModelProto } from '../onnx/proto.js';
import { makeTensor, tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { applyPlan } from '../prune/apply.js';
import { planFromRatios } from '../prune/allocate-plan.js';
import { PLAN_FORMAT, PLAN_VERSION, planModelInfo, type PrunePlan } from '../prune/plan.js';
import { makeNode, makeValueInfo } from '../score/graph-builder.js';
import { withModel } from '../score/runner.js';
import { scoreGroups } from '../score/criteria.js';
import { loadRepoModel, nodeRunner, seededRandom } from '../score/test-utils/ort-runner.js';
import { captureTensors, channelMoments } from './common.js';
import { describeRecoveryLoss, limitImages, recoverPruned } from './recover.js';

const rand = seededRandom(5);
const batches = [0, 1].map(() => ({ feeds: { input: { dims: [6, 3, 64, 64], data: Float32Array.from({ length: 6 * 3 * 64 * 64 }, () => rand() * 2 - 1) } } }));

/**
 * x [N,1,5,5] → conv1 (1×1: channel 0 = 1 − x, channel 1 = 2x + 0.1) → Relu → conv2 (3×3, no
 * padding, bias 0.1, −0.2, 0.3) → GlobalAveragePool → Flatten → logits [N, 3].
 */
function biasModel(): { model: ModelProto; conv2Weights: number[] } {
  // W2[o, 0] is arbitrary; W2[o, 1, kh, kw] = 0.1 (o + 1)(kh − kw + 1), which sums to 0.9 (o + 1).
  const conv2Weights = [0, 1, 2].flatMap((o) => [0, 1].flatMap((c) => Array.from({ length: 9 }, (_, k) => {
    const [kh, kw] = [Math.floor(k / 3), k % 3];
    return c === 0 ? 0.05 * (o - kh + 2 * kw) : 0.1 * (o + 1) * (kh - kw + 1);
  })));
  const graph = onnx.GraphProto.create({
    name: 'bias-test',
    input: [makeValueInfo('x', ['N', 1, 5, 5])],
    output: [makeValueInfo('logits', ['N', 3])],
    initializer: [
      makeTensor('w1', [2, 1, 1, 1], TensorDataType.FLOAT, [-1, 2]),
      makeTensor('b1', [2], TensorDataType.FLOAT, [1, 0.1]),
      makeTensor('w2', [3, 2, 3, 3], TensorDataType.FLOAT, conv2Weights),
      makeTensor('b2', [3], TensorDataType.FLOAT, [0.1, -0.2, 0.3]),
    ] as never,
    node: [
      makeNode('Conv', ['x', 'w1', 'b1'], ['a1'], 'conv1', { kernel_shape: [1, 1] }),
      makeNode('Relu', ['a1'], ['r1'], 'relu1'),
      makeNode('Conv', ['r1', 'w2', 'b2'], ['a2'], 'conv2', { kernel_shape: [3, 3] }),
      makeNode('GlobalAveragePool', ['a2'], ['pooled'], 'pool'),
      makeNode('Flatten', ['pooled'], ['logits'], 'flatten'),
    ] as never,
  });
  const proto = onnx.ModelProto.create({ irVersion: Long.fromNumber(8), opsetImport: [{ domain: '', version: Long.fromNumber(13) }], graph });
  return { model: decodeModel(encodeModel(proto as unknown as ModelProto), 'bias-test.onnx'), conv2Weights };
}

/** Two calibration batches of one constant image each (0.25 and 0.75). */
const constantImages = [0.25, 0.75].map((v) => ({ feeds: { x: { dims: [1, 1, 5, 5], data: new Float32Array(25).fill(v) } } }));

async function pruneHalf(path: string) {
  const model = loadRepoModel(path);
  const analysis = analyseChannels(buildGraph(model));
  const { scores } = await scoreGroups(model, 'l1', {}, analysis);
  const ratios = Object.fromEntries([...scores.keys()].map((id) => [id, 0.5]));
  const plan = planFromRatios(model, analysis, scores, ratios, 'l1');
  return { model, analysis, plan, pruned: applyPlan(model, plan, analysis) };
}

describe('training-free recovery never raises the calibration loss', () => {
  it('bn: re-estimates running statistics on the pruned model (BN kept)', async () => {
    const { model, analysis, plan, pruned } = await pruneHalf('tools/fixtures/models/resnet-basic-bn.onnx');
    const { model: recovered, report } = await recoverPruned(model, pruned, plan, 'bn', { runner: nodeRunner, batches }, analysis);
    expect(report.lossAfter).toBeLessThan(report.lossBefore);
    const updated = report.layers.filter((l) => l.action === 'updated');
    expect(updated.length).toBeGreaterThan(0);
    // The last updated BN's mean is its input's measured channel mean in the recovered model.
    const ir = buildGraph(recovered);
    const bn = recovered.graph!.node.find((n) => n.name === updated.at(-1)!.node)!;
    const measured = channelMoments((await captureTensors(recovered, [bn.input[0]!], { runner: nodeRunner, batches })).map((c) => c[bn.input[0]!]!));
    const stored = tensorToFloat32(constantTensor(ir, bn.input[3]!)!);
    measured.mean.forEach((m, c) => expect(stored[c]).toBeCloseTo(m, 4));
  });

  it('bias: adds each removed channel’s mean × its summed kernel to the consumer bias (hand-computed)', async () => {
    const { model, conv2Weights } = biasModel();
    const analysis = analyseChannels(buildGraph(model));
    const group = analysis.groups.find((g) => g.prunable)!;
    expect(group.channels).toBe(2);
    const plan: PrunePlan = { format: PLAN_FORMAT, version: PLAN_VERSION, model: planModelInfo(model), criterion: 'manual', groups: { [group.id]: { channels: 2, keep: [0] } } };
    const pruned = applyPlan(model, plan, analysis);
    const { model: recovered, report } = await recoverPruned(model, pruned, plan, 'bias', { runner: nodeRunner, batches: constantImages }, analysis);
    expect(report.layers).toMatchObject([{ node: 'conv2', action: 'updated' }]);
    // Channel 1 is Relu(2x + 0.1): 0.6 on the 0.25 image and 1.6 on the 0.75 one, mean 1.1.
    // Σ over the 3×3 kernel of W2[o, 1] is 0.9, 1.8, 2.7, so the bias becomes b + 1.1 × that.
    const conv2 = recovered.graph!.node.find((n) => n.name === 'conv2')!;
    const bias = tensorToFloat32(constantTensor(buildGraph(recovered), conv2.input[2]!)!);
    expect(Array.from(bias).map((b) => +b.toFixed(5))).toEqual([1.09, 1.78, 3.27]);
    expect(tensorDims(constantTensor(buildGraph(recovered), conv2.input[1]!)!)).toEqual([3, 1, 3, 3]);
    // Without padding every output position gets the same shift, so the logits differ from the
    // unpruned model's by (mean − a₁) × Σ W2[o, 1]: +0.5× on the first image, −0.5× on the second.
    const sums = [0, 1, 2].map((o) => conv2Weights.slice((o * 2 + 1) * 9, (o * 2 + 2) * 9).reduce((a, b) => a + b, 0));
    const logits = async (m: ModelProto) => withModel(nodeRunner, m, (opened) => Promise.all(constantImages.map(async (b) => (await opened.run(b.feeds)).logits!.data)));
    const [before, after] = [await logits(model), await logits(recovered)];
    [0.5, -0.5].forEach((f, i) => sums.forEach((s, o) => expect(after[i]![o]! - before[i]![o]!).toBeCloseTo(f * s, 5)));
  });

  it('lsq: refits consumer weights to the unpruned outputs', async () => {
    const { model, analysis, plan, pruned } = await pruneHalf('tools/fixtures/models/resnet-basic-fused.onnx');
    const { report } = await recoverPruned(model, pruned, plan, 'lsq', { runner: nodeRunner, batches, lsq: { maxPositions: 1024 } }, analysis);
    expect(report.lossAfter).toBeLessThan(report.lossBefore * 0.9);
    expect(report.layers.some((l) => l.action === 'updated')).toBe(true);
  });

  it('limits calibration images to N', () => {
    const limited = limitImages(batches, 8);
    expect(limited.map((b) => b.feeds.input!.dims[0])).toEqual([6, 2]);
    expect(limited[1]!.feeds.input!.data.length).toBe(2 * 3 * 64 * 64);
  });
});

describe('describeRecoveryLoss', () => {
  it('one output: the calibration KL; several: each output’s own loss, not the combined value relative to the step’s start', () => {
    expect(describeRecoveryLoss({ lossBefore: 0.31, lossAfter: 0.12 })).toBe('calibration KL 0.3100 → 0.1200');
    const twoTask = { lossBefore: 1, lossAfter: 0.289, outputs: [
      { name: 'logits', task: 'class' as const, lossBefore: 0.1234, lossAfter: 0.0456 },
      { name: 'image', task: 'dense' as const, lossBefore: 0.00281, lossAfter: 0.0024 },
    ] };
    expect(describeRecoveryLoss(twoTask)).toBe('logits KL 0.1234 → 0.04560, image MSE 0.002810 → 0.002400');
  });
});
