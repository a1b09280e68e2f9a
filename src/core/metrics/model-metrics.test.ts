// MACs and params on real torch exports. The torchvision classifiers are full width at 224×224
// with weight payloads stripped (tools/fixtures/shape-only): metrics need dims only.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/codec.js';
import { buildGraph } from '../graph/ir.js';
import { computeMetrics, modelMetrics } from './model-metrics.js';

const DIR = 'tools/fixtures/shape-only';
const load = (name: string) => decodeModel(readFileSync(`${DIR}/${name}.onnx`), name);

// Published MACs at 224×224 (torchvision model docs "GFLOPS", which are MACs) and torchvision's
// parameter counts (trainable parameters, before the exporter folds BatchNorm into Conv).
const PUBLISHED: Record<string, { gmacs: number; params: number }> = {
  resnet18: { gmacs: 1.82, params: 11_689_512 },
  resnet50: { gmacs: 4.1, params: 25_557_032 },
  mobilenet_v2: { gmacs: 0.3, params: 3_504_872 },
  squeezenet1_1: { gmacs: 0.35, params: 1_235_496 },
  efficientnet_b0: { gmacs: 0.39, params: 5_288_548 },
  densenet121: { gmacs: 2.87, params: 7_978_856 },
};

describe('MACs and params of torchvision classifiers', () => {
  for (const [name, ref] of Object.entries(PUBLISHED)) {
    it(`${name}: MACs within 2% of ${ref.gmacs} G`, () => {
      const m = modelMetrics(load(name));
      expect(m.macsUnknown).toEqual([]);
      expect(Math.abs(m.macs / 1e9 - ref.gmacs) / ref.gmacs).toBeLessThan(0.02);
      // Per-node params count a shared tensor for each reader, undoing the exporter's de-duplication
      // of identical (random-init) tensors. BatchNorm folding changes 2C BN params into C conv bias.
      const perNode = m.nodes.reduce((a, n) => a + n.params, 0);
      expect(Math.abs(perNode - ref.params) / ref.params).toBeLessThan(0.01);
      expect(m.params).toBeLessThanOrEqual(perNode);
      // float32 weights, plus the few integer constants (shape vectors) the exporter left
      expect(m.bytes - m.params * 4).toBeGreaterThanOrEqual(0);
      expect(m.bytes - m.params * 4).toBeLessThan(1024);
    });
  }
});

describe('MACs per op', () => {
  const macsOf = (name: string) => Object.fromEntries(modelMetrics(load(name)).nodes.filter((n) => n.macs).map((n) => [n.id, n.macs]));

  it('Conv (grouped, dilated) and ConvTranspose', () => {
    expect(macsOf('decoder-opset13')).toEqual({
      '/down/Conv': 8 * 8 * 4 * 3 * 9, // out 4×8×8, Cin 3, 3×3
      '/dil/Conv': 8 * 8 * 4 * 2 * 9, // groups=2: Cin/group = 2
      '/up/ConvTranspose': 9 * 9 * 8 * 4 * 9, // input 8×9×9 scatters into 4 channels × 3×3
    });
  });

  it('MatMul (weights and batched activations) and Gemm, per sample', () => {
    expect(macsOf('transformer-opset17')).toEqual({
      '/embed/Conv': 8 * 4 * 4 * 3 * 16,
      '/qkv/MatMul': 16 * 24 * 8, // [N,16,8] @ [8,24]
      '/MatMul': 2 * 16 * 16 * 4, // q @ kᵀ: [N,2,16,4] @ [N,2,4,16]
      '/MatMul_1': 2 * 16 * 4 * 16, // att @ v
      '/mlp/mlp.0/MatMul': 16 * 16 * 8,
      '/mlp/mlp.2/MatMul': 16 * 8 * 16,
      '/head/Gemm': 3 * 8,
    });
  });

  it('reports MACs as unknown, with the reason, when a spatial dim is dynamic', () => {
    const model = load('view-chain-opset13');
    const dims = model.graph!.input[0]!.type!.tensorType!.shape!.dim;
    dims[2]!.dimParam = 'height'; // a named dim wins over dim_value, as in declaredInfo
    const m = computeMetrics(buildGraph(model));
    expect(m.macsUnknown.map((u) => u.node)).toContain('/conv/Conv');
    expect(m.nodes.find((n) => n.id === '/conv/Conv')?.macs).toBeNull();
  });
});

describe('params and bytes', () => {
  it('counts weights a node reads through Identity once in totals, for every reader per node', () => {
    const ir = buildGraph(load('resnet18'));
    const identities = ir.nodes.filter((n) => n.opType === 'Identity');
    expect(identities.length).toBeGreaterThan(0); // torch de-duplicated identical bias tensors
    const m = computeMetrics(ir);
    for (const n of m.nodes.filter((x) => x.opType === 'Identity')) expect(n.params).toBe(0);
    const conv1 = m.nodes.find((n) => n.id === '/conv1/Conv')!;
    expect(conv1.params).toBe(64 * 3 * 7 * 7 + 64);
    expect(conv1.bytes).toBe(conv1.params * 4);
  });

  it('counts integer constants in bytes but not in params', () => {
    const m = modelMetrics(load('view-chain-opset13'));
    // conv 4×3×3×3 + 4, fc 5×64 + 5
    expect(m.params).toBe(108 + 4 + 320 + 5);
    expect(m.bytes).toBeGreaterThan(m.params * 4);
  });
});
