import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph, constantTensor } from '../graph/ir.js';
import { tensorToFloat32 } from '../onnx/tensor.js';
import { applyPlan } from '../prune/apply.js';
import { planFromRatios } from '../prune/allocate-plan.js';
import { scoreGroups } from '../score/criteria.js';
import { loadRepoModel, nodeRunner, seededRandom } from '../score/test-utils/ort-runner.js';
import { captureTensors, channelMoments } from './common.js';
import { limitImages, recoverPruned } from './recover.js';

const rand = seededRandom(5);
const batches = [0, 1].map(() => ({ feeds: { input: { dims: [6, 3, 64, 64], data: Float32Array.from({ length: 6 * 3 * 64 * 64 }, () => rand() * 2 - 1) } } }));

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

  it('bias: shifts consumer biases by the removed channels’ mean contribution (BN fused)', async () => {
    const { model, analysis, plan, pruned } = await pruneHalf('tools/fixtures/models/resnet-basic-fused.onnx');
    const { report } = await recoverPruned(model, pruned, plan, 'bias', { runner: nodeRunner, batches }, analysis);
    expect(report.lossAfter).toBeLessThanOrEqual(report.lossBefore);
    expect(report.layers.length).toBeGreaterThan(0);
    for (const l of report.layers) if (l.action === 'kept-original') expect(l.lossAfter!).toBeGreaterThan(l.lossBefore!);
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
