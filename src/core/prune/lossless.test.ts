// Lossless removal on real exports where some channels were made constant (as network slimming /
// GDP training leaves them): the pruned model must give the same outputs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/proto.js';
import { makeTensor, tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { modelMetrics } from '../metrics/model-metrics.js';
import { cloneMessage } from '../onnx/clone.js';
import { findConstantChannels, removeConstantChannels } from './lossless.js';
import { applyPlan } from './apply.js';
import { parsePlan } from './plan.js';
import { randomInputs, runModel, worstMismatch } from './test-utils/ort.js';

const load = (file: string) => decodeModel(readFileSync(new URL(`../../../tools/fixtures/models/${file}`, import.meta.url)), file);

/** A copy of the model with some values of an initializer replaced. */
function edit(model: ModelProto, name: string, changes: Record<number, number> | ((data: Float32Array, dims: number[]) => void)): ModelProto {
  const graph = model.graph!;
  const initializer = graph.initializer.map((t) => {
    if (t.name !== name) return t;
    const data = Float32Array.from(tensorToFloat32(t));
    if (typeof changes === 'function') changes(data, tensorDims(t));
    else for (const [i, v] of Object.entries(changes)) data[Number(i)] = v;
    return makeTensor(t.name, tensorDims(t), t.dataType, data);
  });
  if (!graph.initializer.some((t) => t.name === name)) throw new Error(`no initializer ${name}`);
  return cloneMessage(model, { graph: cloneMessage(graph, { initializer }) });
}

async function expectSameOutputs(a: ModelProto, b: ModelProto, size: number): Promise<void> {
  const feeds = randomInputs([{ name: 'input', shape: ['batch', 3, size, size] }], 11);
  const [x, y] = await Promise.all([runModel(a, feeds), runModel(b, feeds)]);
  for (const k of Object.keys(x)) expect(worstMismatch(x[k]!.data, y[k]!.data)).toBeLessThanOrEqual(1);
}

describe('removeConstantChannels', () => {
  it('removes BN channels with γ = 0 (dead after ReLU, or folded into a 1×1 conv) and keeps ones a padded conv would see', async () => {
    let model = load('resnet-bottleneck-bn.onnx');
    const p = 'layers.0.0.';
    // bn1 feeds ReLU → 3×3 conv with padding: β ≤ 0 dies (removable), β > 0 cannot be folded (kept).
    model = edit(model, `${p}bn1.weight`, { 0: 0, 1: 0, 2: 0 });
    model = edit(model, `${p}bn1.bias`, { 0: -1, 1: -0.5, 2: 0.7 });
    // bn2 feeds ReLU → 1×1 conv without padding: β > 0 folds into that conv's (new) bias.
    model = edit(model, `${p}bn2.weight`, { 0: 0, 1: 0, 2: 0 });
    model = edit(model, `${p}bn2.bias`, { 0: 0.5, 1: 0.25, 2: 1.5 });
    const found = findConstantChannels(model);
    const conv1 = '/layers/layers.0/layers.0.0/conv1/Conv';
    const conv2 = '/layers/layers.0/layers.0.0/conv2/Conv';
    expect(found.filter((c) => c.group === conv1).map((c) => c.channel)).toEqual([0, 1]);
    expect(found.filter((c) => c.group === conv2).map((c) => c.channel)).toEqual([0, 1, 2]);
    const { model: pruned, plan } = removeConstantChannels(model);
    expect(plan.criterion).toBe('lossless');
    expect(plan.groups[conv1]!.keep).not.toContain(0);
    expect(plan.groups[conv1]!.keep).toContain(2);
    expect(modelMetrics(pruned).params).toBeLessThan(modelMetrics(model).params);
    await expectSameOutputs(model, pruned, 64);
    // The plan alone (as saved to JSON) is enough: applyPlan folds "lossless" plans itself.
    const again = applyPlan(model, parsePlan(JSON.parse(JSON.stringify(plan))));
    await expectSameOutputs(model, again, 64);
    // ... and refuses a "lossless" plan that removes a channel that is not constant.
    const keep = plan.groups[conv1]!.keep.filter((k) => k !== 2);
    expect(() => applyPlan(model, { ...plan, groups: { ...plan.groups, [conv1]: { channels: plan.groups[conv1]!.channels, keep } } })).toThrow(/removes channel 2 of group .* not provably constant/);
  });

  it('folds a constant conv channel through Flatten into the Gemm bias (VGG)', async () => {
    const original = load('vgg-flatten.onnx');
    const w = 'onnx::Conv_62'; // features.11 (BN folded by the exporter)
    // Zero two filters of the last conv; their biases make one channel 0.3 (folded) and one negative (dead after ReLU).
    let model = edit(original, w, (data, dims) => {
      const per = data.length / dims[0]!;
      data.fill(0, 3 * per, 4 * per);
      data.fill(0, 5 * per, 6 * per);
    });
    model = edit(model, 'onnx::Conv_63', { 3: 0.3, 5: -0.2 });
    const found = findConstantChannels(model).map((c) => `${c.group}#${c.channel}`);
    expect(found).toEqual(['/features/features.11/Conv#3', '/features/features.11/Conv#5']);
    const { model: pruned } = removeConstantChannels(model);
    await expectSameOutputs(model, pruned, 32);
    expect(findConstantChannels(original)).toEqual([]);
  });
});
