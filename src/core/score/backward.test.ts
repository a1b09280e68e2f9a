import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildBackwardModel, BackwardUnsupportedError } from './backward.js';
import type { Float32Tensor } from './runner.js';
import { withModel } from './runner.js';
import { channelDot, expectReferenceGradients, lossOf, perturbedModel, relativeError } from './test-utils/finite-diff.js';
import { loadScoreFixture, nodeRunner } from './test-utils/ort-runner.js';
import { makeNode } from './graph-builder.js';

const TOLERANCE = 1e-3;

/** Float64 references from test-data/reference_grads.py: central finite differences of the same graph. */
interface ReferenceCase {
  model: string;
  input: Float32Tensor & { data: number[] };
  targets: Record<string, { dims: number[]; data: number[]; isProbs: boolean }>;
  activations: Record<string, { channelTaylor: number[]; directional: number }>;
}
const HERE = dirname(fileURLToPath(import.meta.url));
const REFERENCES = JSON.parse(readFileSync(join(HERE, 'test-data/reference-grads.json'), 'utf8')) as ReferenceCase[];

async function checkAgainstReference(ref: ReferenceCase): Promise<void> {
  const model = loadScoreFixture(ref.model);
  const activations = Object.keys(ref.activations);
  const bw = buildBackwardModel(model, { activations });
  const feeds: Record<string, Float32Tensor> = { input: { dims: ref.input.dims, data: Float32Array.from(ref.input.data) } };
  for (const [output, t] of Object.entries(ref.targets)) {
    expect(bw.logitsOf.get(output) !== output, `"${output}" read through its Softmax`).toBe(t.isProbs);
    feeds[bw.targetOf.get(output)!] = { dims: t.dims, data: Float32Array.from(t.data) };
  }
  const result = await withModel(nodeRunner, bw.model, (m) => m.run(feeds));
  expect(activations.length).toBeGreaterThanOrEqual(4);
  expectReferenceGradients(result, bw.gradientOf, ref.activations, TOLERANCE);
}

describe('buildBackwardModel matches float64 finite differences', () => {
  it('Conv+BN, MaxPool(3,2,1), residual Add, grouped/dilated/strided Conv, Clip, Concat, HardSwish, SiLU, AveragePool, GAP, Gemm (opset 13)', async () => {
    await checkAgainstReference(REFERENCES.find((r) => r.model === 'mix-bn-opset13.onnx')!);
  });
  it('MaxPool ceil_mode, LeakyRelu, Tanh, ReduceMean, Softmax output with soft (KL) targets (opset 11)', async () => {
    await checkAgainstReference(REFERENCES.find((r) => r.model === 'old-opset11.onnx')!);
  });
  it('two outputs (class logits + per-pixel logits), losses summed (opset 17)', async () => {
    await checkAgainstReference(REFERENCES.find((r) => r.model === 'two-heads-opset17.onnx')!);
  });
});

/** onnxruntime float32 finite differences agree too, where float32 can resolve them (a coarse, independent check). */
describe('buildBackwardModel vs float32 onnxruntime finite differences', () => {
  it('per-channel Taylor sums of the two-head model within 1 %', async () => {
    const ref = REFERENCES.find((r) => r.model === 'two-heads-opset17.onnx')!;
    const model = loadScoreFixture(ref.model);
    const act = Object.keys(ref.activations)[0]!;
    const bw = buildBackwardModel(model, { activations: [act] });
    const input = { dims: ref.input.dims, data: Float32Array.from(ref.input.data) };
    const losses = Object.entries(ref.targets).map(([output, t]) => ({ output, isProbs: t.isProbs, target: { dims: t.dims, data: Float32Array.from(t.data) } }));
    const feeds: Record<string, Float32Tensor> = { input };
    for (const l of losses) feeds[bw.targetOf.get(l.output)!] = l.target;
    const result = await withModel(nodeRunner, bw.model, (m) => m.run(feeds));
    const analytic = channelDot(result[act]!, result[bw.gradientOf.get(act)!]!);
    const channels = analytic.length;
    const eps = 1e-3;
    const fd = await withModel(nodeRunner, perturbedModel(model, act, 'scale'), async (m) => {
      const out = new Float64Array(channels);
      for (let c = 0; c < channels; c++) {
        const at = (sign: number) => {
          const scale = new Float32Array(channels).fill(1);
          scale[c] = 1 + sign * eps;
          return lossOf(m, { input, __scale: { dims: [1, channels, 1, 1], data: scale } }, losses);
        };
        out[c] = ((await at(1)) - (await at(-1))) / (2 * eps);
      }
      return out;
    });
    expect(relativeError(fd, analytic)).toBeLessThan(1e-2);
  });
});

describe('buildBackwardModel errors', () => {
  it('names an unsupported operator on the path', () => {
    const model = loadScoreFixture('two-heads-opset17.onnx');
    const graph = model.graph!;
    // Swap the first Relu for Elu, which has no backward rule.
    const relu = graph.node.find((n) => n.opType === 'Relu')!;
    const conv = graph.node.find((n) => n.opType === 'Conv')!;
    graph.node[graph.node.indexOf(relu)] = makeNode('Elu', relu.input, relu.output, 'my_elu');
    expect(() => buildBackwardModel(model, { activations: [conv.output[0]!] })).toThrow(BackwardUnsupportedError);
    expect(() => buildBackwardModel(model, { activations: [conv.output[0]!] })).toThrow(/Elu node "my_elu"/);
  });
  it('rejects an activation that does not reach the loss', () => {
    const model = loadScoreFixture('two-heads-opset17.onnx');
    const seg = model.graph!.node.at(-1)!;
    expect(() => buildBackwardModel(model, { activations: [seg.output[0]!], lossOutputs: ['cls'] })).toThrow(/does not influence/);
  });
});
