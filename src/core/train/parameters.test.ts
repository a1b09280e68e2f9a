import { describe, expect, it } from 'vitest';
import { buildGraph } from '../graph/ir.js';
import { loadRepoModel, loadScoreFixture } from '../score/test-utils/ort-runner.js';
import { trainableParameters } from './parameters.js';

describe('trainableParameters', () => {
  it('resnet8 with BN: Conv weights, BN γ and β (a β tied through Identity once), the Gemm; never running statistics', () => {
    const model = loadRepoModel('public/models/fmnist-resnet8-bn.onnx');
    const names = trainableParameters(model);
    const ir = buildGraph(model);
    const roleOf = (name: string) => [...(ir.consumers.get(name) ?? [])].map((u) => `${u.node.opType}:${u.inputIndex}`);
    expect(names.filter((n) => roleOf(n).includes('Conv:1'))).toHaveLength(9);
    expect(names.filter((n) => roleOf(n).includes('BatchNormalization:1'))).toHaveLength(9);
    expect(names.filter((n) => roleOf(n).includes('BatchNormalization:2'))).toHaveLength(7);
    expect(names.filter((n) => roleOf(n).some((r) => r.startsWith('Gemm')))).toHaveLength(2);
    expect(names).toHaveLength(27);
    expect(names.some((n) => /running/.test(n))).toBe(false);
    expect(new Set(names).size).toBe(names.length);
  });
  it('MatMul with a constant 2-D right operand and its bias on Add, Gemm weights/biases; not the int64 Reshape shape', () => {
    expect(trainableParameters(loadScoreFixture('linear-params.onnx'))).toEqual(['mm.w', 'mm.b', 'g1.w', 'g1.b', 'bn.scale', 'bn.bias', 'p.slope', 'g2.w', 'g2.b']);
  });
  it('the ViT demo (torch 1.13, opset 14): every float parameter PyTorch trains — LayerNorm γ/β, biases on Add, the position embedding, the class token — and no scalar constant', () => {
    const model = loadRepoModel('public/models/fmnist-vit.onnx');
    const names = trainableParameters(model);
    const floats = model.graph!.initializer.filter((t) => t.dataType === 1 && t.dims.reduce((a, d) => a * Number(d), 1) > 1);
    expect(new Set(names)).toEqual(new Set(floats.map((t) => t.name)));
    expect(names).toContain('vit.class_token');
    expect(names).toContain('vit.encoder.pos_embedding');
    expect(names).toContain('vit.encoder.layers.encoder_layer_0.ln_1.weight');
    expect(names).toContain('vit.encoder.layers.encoder_layer_0.self_attention.in_proj_bias');
  });
  it('BN-folded demo models: every Conv weight and bias and the classifier', () => {
    for (const [file, count] of [['fmnist-resnet8.onnx', 20], ['fmnist-squeezenet.onnx', 40], ['fmnist-vgg.onnx', 12]] as const) {
      expect(trainableParameters(loadRepoModel(`public/models/${file}`)), file).toHaveLength(count);
    }
  });
});
