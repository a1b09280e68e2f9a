import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ModelProto } from '../onnx/proto.js';
import { tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { trainableParameters } from '../train/parameters.js';
import { buildBackwardModel } from './backward.js';
import { makeNode } from './graph-builder.js';
import type { Float32Tensor } from './runner.js';
import { withModel } from './runner.js';
import { expectParameterGradients, expectReferenceGradients, type ParameterReference } from './test-utils/finite-diff.js';
import { loadAttentionFixture } from './test-utils/attention-fixtures.js';
import { loadScoreFixture, nodeRunner } from './test-utils/ort-runner.js';

const TOLERANCE = 1e-4;

/** Float64 autograd references from test-data/attention_grads.py. */
interface ReferenceCase {
  model: string;
  input: Float32Tensor & { data: number[] };
  targets: Record<string, { dims: number[]; data: number[]; isProbs: boolean }>;
  activations: Record<string, { channelTaylor: number[]; directional: number }>;
  params: Record<string, ParameterReference>;
}
const HERE = dirname(fileURLToPath(import.meta.url));
const REFERENCES = JSON.parse(readFileSync(join(HERE, 'test-data/reference-grads-attention.json'), 'utf8')) as ReferenceCase[];
const reference = (model: string) => REFERENCES.find((r) => r.model === model)!;
async function checkAgainstReference(ref: ReferenceCase, model: ModelProto): Promise<void> {
  const activations = Object.keys(ref.activations);
  const trainable = Object.keys(ref.params);
  const bw = buildBackwardModel(model, { activations, trainable });
  const feeds: Record<string, Float32Tensor> = { input: { dims: ref.input.dims, data: Float32Array.from(ref.input.data) } };
  for (const [output, t] of Object.entries(ref.targets)) feeds[bw.targetOf.get(output)!] = { dims: t.dims, data: Float32Array.from(t.data) };
  const dims = new Map<string, number[]>();
  for (const p of trainable) {
    const init = model.graph!.initializer.find((t) => t.name === p)!;
    dims.set(p, tensorDims(init));
    feeds[p] = { dims: tensorDims(init), data: tensorToFloat32(init) };
  }
  const result = await withModel(nodeRunner, bw.model, (m) => m.run(feeds));
  expectReferenceGradients(result, bw.gradientOf, ref.activations, TOLERANCE);
  if (trainable.length) expectParameterGradients(result, bw.parameterGradientOf, ref.params, (p) => dims.get(p)!, TOLERANCE);
}

describe('attention backward rules match float64 torch autograd', () => {
  it('decomposed LayerNorm (ReduceMean, Sub, Pow, Sqrt, Div), Q·Kᵀ and attn·V with broadcast batch axes, causal Where, Softmax, LogSoftmax, Expand, GELU through Erf, Gather of a class token and of repeated indices (opset 14)', async () => {
    const ref = reference('attention-opset14.onnx');
    for (const act of ['std', 'sq', 'attn', 'ctx', 'ctx2', 'masked', 'logp', 'tok_b', 'erf', 'toks']) expect(ref.activations[act], act).toBeDefined();
    await checkAgainstReference(ref, loadScoreFixture(ref.model));
  });
  it('fused LayerNormalization over one and two axes with trainable scale/bias, a trainable class token through Expand and Concat, a trained 2-D MatMul weight (opset 17)', async () => {
    const ref = reference('layernorm-opset17.onnx');
    expect(Object.keys(ref.params).sort()).toEqual(['cls', 'ln.bias', 'ln.scale', 'ln2.bias', 'ln2.scale', 'w']);
    // What training updates by default: the LayerNorm parameters and the 2-D MatMul weights (the class token is opt-in).
    expect(trainableParameters(loadScoreFixture(ref.model)).sort()).toEqual(['head', 'ln.bias', 'ln.scale', 'ln2.bias', 'ln2.scale', 'w']);
    await checkAgainstReference(ref, loadScoreFixture(ref.model));
  });
  it('fused Gelu, exact and tanh (opset 20)', async () => {
    const ref = reference('gelu-opset20.onnx');
    await checkAgainstReference(ref, loadScoreFixture(ref.model));
  });
  it('tanh GELU as torch exports it below opset 20: Pow with exponent 3, Tanh (opset 14)', async () => {
    const ref = reference('gelu-tanh-opset14.onnx');
    expect(ref.activations.h, 'the input of Pow').toBeDefined();
    await checkAgainstReference(ref, loadScoreFixture(ref.model));
  });
  it('Softmax and LogSoftmax before opset 13 normalise over every axis from `axis` on (opset 12)', async () => {
    const ref = reference('softmax-opset12.onnx');
    await checkAgainstReference(ref, loadScoreFixture(ref.model));
  });
  it('torchvision ViT export: every Conv/MatMul/Softmax/Erf/LayerNorm-step activation down to the patch Conv, and every default trainable parameter', async () => {
    const ref = reference('tiny-vit.onnx');
    expect(Object.keys(ref.activations).length).toBeGreaterThan(50);
    const model = loadAttentionFixture(ref.model);
    expect(Object.keys(ref.params), 'the parameters training updates by default').toEqual(trainableParameters(model));
    await checkAgainstReference(ref, model);
  });
  it('nn.TransformerEncoder export (seq-first MultiheadAttention, token mean over axis 0)', async () => {
    const ref = reference('tiny-encoder.onnx');
    await checkAgainstReference(ref, loadAttentionFixture(ref.model));
  });
  it('torchvision Swin export: shifted windows (Pad, roll as Slice + Concat, masked Softmax), q/k/v Gathered from a packed axis 0, patch merging by Slices with step 2', async () => {
    const ref = reference('tiny-swin.onnx');
    const model = loadAttentionFixture(ref.model);
    expect(model.graph!.node.some((n) => n.opType === 'Slice' && Object.keys(ref.activations).includes(n.output[0]!))).toBe(true);
    await checkAgainstReference(ref, model);
  });
});

describe('attention backward rules refuse what they cannot differentiate', () => {
  it('Pow: a gradient into the exponent', () => {
    const model = loadScoreFixture('attention-opset14.onnx');
    const graph = model.graph!;
    // Make the exponent an activation: Pow(centred, centred).
    const pow = graph.node.find((n) => n.opType === 'Pow')!;
    pow.input = [pow.input[0]!, pow.input[0]!];
    expect(() => buildBackwardModel(model, { activations: ['mu'] })).toThrow(/Pow node .*the exponent "centred" depends on the activation/);
  });
  it('Gather: indices computed from the activation', () => {
    const model = loadScoreFixture('attention-opset14.onnx');
    const graph = model.graph!;
    const gather = graph.node.find((n) => n.opType === 'Gather')!;
    // The index of the token with the largest feature: data, not a constant.
    const argmax = makeNode('ArgMax', ['gelu'], ['argmax'], 'argmax', { axis: 2, keepdims: 0 });
    graph.node.splice(graph.node.indexOf(gather), 0, argmax, makeNode('ReduceMin', ['argmax'], ['first'], 'first', { keepdims: 0 }));
    gather.input = [gather.input[0]!, 'first'];
    expect(() => buildBackwardModel(model, { activations: ['ln'] })).toThrow(/Gather node .*indices \("first"\) must be a constant/);
  });
});
