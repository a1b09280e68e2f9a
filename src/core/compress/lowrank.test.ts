// Low-rank factorisation on real exports, run in onnxruntime-node: at full rank the factorised
// model computes the original (1e-4); at a MACs target it is as cheap as it says; the rank tensor
// is an ordinary channel group that channel pruning then removes channels from.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { declaredInfo } from '../graph/shapes.js';
import { modelMetrics } from '../metrics/model-metrics.js';
import { decodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/proto.js';
import { applyPlan } from '../prune/apply.js';
import { planPrune } from '../prune/planner.js';
import { randomInputs, runModel, worstMismatch } from '../prune/test-utils/ort.js';
import { nodeRunner } from '../score/test-utils/ort-runner.js';
import { inputCovariances, refitSecondFactors } from './lowrank-data.js';
import { factoriseModel, LOWRANK_METADATA_KEY } from './lowrank.js';

const FIXTURES = new URL('../../../tools/fixtures/models/', import.meta.url);
const DEMO = new URL('../../../public/models/', import.meta.url);
const load = (dir: URL, file: string) => decodeModel(readFileSync(new URL(file, dir)), file);

function feedsFor(model: ModelProto, seed: number) {
  const inputs = buildGraph(model).inputs.map((i) => ({ name: i.name, shape: declaredInfo(i)!.shape!.map((d) => (typeof d === 'number' ? d : 'batch')) }));
  return randomInputs(inputs, seed, 2);
}

async function expectSameOutputs(a: ModelProto, b: ModelProto, tol: number): Promise<void> {
  const feeds = feedsFor(a, 3);
  const want = await runModel(a, feeds);
  const got = await runModel(b, feeds);
  for (const k of Object.keys(want)) expect(worstMismatch(want[k]!.data, got[k]!.data, tol), k).toBeLessThanOrEqual(1);
}

describe.each([
  { dir: FIXTURES, file: 'resnet-basic-fused.onnx', ops: ['Conv', 'Gemm'] },
  { dir: FIXTURES, file: 'vgg-flatten.onnx', ops: ['Conv', 'Gemm'] },
  { dir: FIXTURES, file: 'mobilenet-v2.onnx', ops: ['Conv', 'Gemm'] },
  { dir: FIXTURES, file: 'edge-nhwc-matmul.onnx', ops: ['Conv', 'MatMul'] },
  { dir: DEMO, file: 'fmnist-vgg.onnx', ops: ['Conv', 'Gemm'] },
])('factoriseModel on $file', ({ dir, file, ops }) => {
  const model = load(dir, file);

  it('at full rank computes the original (1e-4) with every factorisable layer split in two', async () => {
    const result = factoriseModel(model, { target: { kind: 'rank-ratio', ratio: 1 }, onlyCheaper: false });
    expect(result.layers.length).toBeGreaterThan(0);
    expect(new Set(result.layers.map((l) => l.op))).toEqual(new Set(ops));
    expect(result.model.graph!.node.length).toBe(model.graph!.node.length + result.layers.length);
    for (const l of result.layers) expect(l.rank).toBe(Math.min(l.out, l.in));
    await expectSameOutputs(model, result.model, 1e-4);
  });

  it('only factorises where that lowers MACs, and the MACs drop by what it reports', () => {
    const result = factoriseModel(model, { target: { kind: 'rank-ratio', ratio: 0.25 } });
    const before = modelMetrics(model).macs;
    const after = modelMetrics(result.model).macs;
    for (const l of result.layers) {
      expect(l.rank).toBeLessThanOrEqual(l.breakEven);
      expect(l.macsAfter).toBeLessThan(l.macsBefore);
    }
    expect(after).toBeCloseTo(before - result.layers.reduce((s, l) => s + l.macsBefore - l.macsAfter, 0), 0);
  });
});

describe('fmnist-vgg at --keep-macs 0.5', () => {
  const model = load(DEMO, 'fmnist-vgg.onnx');
  const nodesBefore = model.graph!.node.length;
  const result = factoriseModel(model, { target: { kind: 'keep-macs', fraction: 0.5 } });

  it('has at most half the MACs, runs, and records the factorised layers in its metadata', async () => {
    expect(modelMetrics(result.model).macs).toBeLessThanOrEqual(0.5 * modelMetrics(model).macs);
    const feeds = feedsFor(result.model, 1);
    const out = await runModel(result.model, feeds);
    expect(out.logits!.dims).toEqual([2, 10]);
    const meta = JSON.parse(result.model.metadataProps.find((p) => p.key === LOWRANK_METADATA_KEY)!.value) as { layers: { node: string; rank: number }[] };
    expect(meta.layers.map((l) => [l.node, l.rank])).toEqual(result.layers.map((l) => [l.node, l.rank]));
    expect(model.graph!.node.length).toBe(nodesBefore); // the input model is untouched
  });

  it('turns each rank into a prunable channel group that channel pruning composes with', async () => {
    const analysis = analyseChannels(buildGraph(result.model));
    for (const l of result.layers) {
      const g = analysis.groups.find((x) => x.id === l.firstNode);
      expect(g, l.firstNode).toBeDefined();
      expect(g!.channels).toBe(l.rank);
      expect(g!.prunable).toBe(true);
    }
    const plan = planPrune(result.model, analysis, { ratio: 0.5 });
    expect(Object.keys(plan.groups)).toEqual(expect.arrayContaining(result.layers.map((l) => l.firstNode)));
    const pruned = applyPlan(result.model, plan, analysis);
    expect(modelMetrics(pruned).macs).toBeLessThan(modelMetrics(result.model).macs);
    const out = await runModel(pruned, feedsFor(pruned, 2));
    expect(out.logits!.dims).toEqual([2, 10]);
  });
});

describe('data-aware factorisation of vgg-flatten (random calibration batches)', () => {
  const model = load(FIXTURES, 'vgg-flatten.onnx');
  const batches = [0, 1].map((s) => ({ feeds: Object.fromEntries(Object.entries(feedsFor(model, 10 + s)).map(([k, t]) => [k, { dims: [...t.dims], data: t.data as Float32Array }])) }));

  it('whitens every layer, still equals the original at full rank, and the refit keeps it there', async () => {
    const { covariances, skipped } = await inputCovariances(model, { runner: nodeRunner, batches });
    expect(skipped).toEqual([]);
    const result = factoriseModel(model, { target: { kind: 'rank-ratio', ratio: 1 }, covariances, onlyCheaper: false });
    expect(result.layers.every((l) => l.dataAware)).toBe(true);
    await expectSameOutputs(model, result.model, 1e-4);
    const refit = await refitSecondFactors(model, result.model, result.layers, { runner: nodeRunner, batches });
    expect(refit.refits.every((r) => r.errorAfter <= r.errorBefore && r.errorBefore < 1e-4)).toBe(true);
    await expectSameOutputs(model, refit.model, 1e-3);
  });

  it('at a MACs target, the refit lowers every layer’s output error it is applied to', async () => {
    const { covariances } = await inputCovariances(model, { runner: nodeRunner, batches });
    const result = factoriseModel(model, { target: { kind: 'keep-macs', fraction: 0.6 }, covariances });
    expect(modelMetrics(result.model).macs).toBeLessThanOrEqual(0.6 * modelMetrics(model).macs);
    const refit = await refitSecondFactors(model, result.model, result.layers, { runner: nodeRunner, batches });
    expect(refit.refits.some((r) => r.applied)).toBe(true);
    for (const r of refit.refits) if (r.applied) expect(r.errorAfter).toBeLessThan(r.errorBefore);
  });
});
