import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../../graph/channels/analyse.js';
import { buildGraph } from '../../graph/ir.js';
import { applyPlan } from '../../prune/apply.js';
import { planModelInfo } from '../../prune/plan.js';
import { recoverPruned } from '../../recover/recover.js';
import { TensorDataType, type ModelProto } from '../../onnx/proto.js';
import { makeTensor, tensorDims, tensorToFloat32 } from '../../onnx/tensor.js';
import { reorderWithin, scoreGroups } from '../criteria.js';
import { groupsReconstructionSkips } from './reconstruction.js';
import type { Float32Tensor } from '../runner.js';
import { loadRepoModel, loadScoreFixture, nodeRunner, seededRandom } from '../test-utils/ort-runner.js';

const rand = seededRandom(3);
const images = (n: number): Float32Tensor => ({ dims: [n, 1, 16, 16], data: Float32Array.from({ length: n * 256 }, rand) });
const batches = [{ feeds: { input: images(8) } }, { feeds: { input: images(8) } }];

/** The fixture with channel `copy` of Conv c2 made exactly `factor` × channel `of` (ReLU(f·z) = f·ReLU(z) for f > 0). */
function withDependentChannel(copy: number, of: number, factor: number): ModelProto {
  const model = loadScoreFixture('mix-bn-opset13.onnx');
  for (const name of ['c2.weight', 'c2.bias']) {
    const i = model.graph!.initializer.findIndex((t) => t.name === name);
    const t = model.graph!.initializer[i]!;
    const dims = tensorDims(t);
    const data = Float32Array.from(tensorToFloat32(t));
    const inner = data.length / dims[0]!;
    for (let k = 0; k < inner; k++) data[copy * inner + k] = factor * data[of * inner + k]!;
    model.graph!.initializer[i] = makeTensor(name, dims, TensorDataType.FLOAT, data);
  }
  return model;
}

describe('reconstruction criterion', () => {
  it('a channel the others reproduce exactly scores (almost) 0, and pruning it with lsq changes nothing', async () => {
    const model = withDependentChannel(5, 1, 2);
    const analysis = analyseChannels(buildGraph(model));
    const { scores } = await scoreGroups(model, 'reconstruction', { runner: nodeRunner, batches, normalise: 'none' }, analysis);
    const s = scores.get('/c2/Conv')!;
    // One of the pair goes among the first two (the greedy may take a near-dead channel first).
    const lowest = s[1]! < s[5]! ? 1 : 5;
    expect([...s].filter((v) => v < s[lowest]!).length).toBeLessThanOrEqual(1);
    expect(s[lowest]! / Math.max(...s)).toBeLessThan(1e-2);
    // Magnitude says nothing of the kind: the copy has twice the weights of channel 1.
    const l2 = (await scoreGroups(model, 'l2', {}, analysis)).scores.get('/c2/Conv')!;
    expect(l2[5]).toBeGreaterThan(l2[1]!);

    const keep = [...s.keys()].filter((c) => c !== lowest);
    const plan = { format: 'prune-studio-plan' as const, version: 1 as const, model: planModelInfo(model), criterion: 'reconstruction', groups: { '/c2/Conv': { channels: 8, keep } } };
    const { report } = await recoverPruned(model, applyPlan(model, plan, analysis), plan, 'lsq', { runner: nodeRunner, batches }, analysis);
    expect(report.lossAfter).toBeLessThan(1e-6);
  });

  it('ordering by reconstruction keeps each group’s scores and hands them out in its order', async () => {
    const model = withDependentChannel(5, 1, 2);
    const analysis = analyseChannels(buildGraph(model));
    const opts = { runner: nodeRunner, batches };
    const [plain, order, ordered] = [
      await scoreGroups(model, 'act-l2', opts, analysis),
      await scoreGroups(model, 'reconstruction', opts, analysis),
      await scoreGroups(model, 'act-l2', { ...opts, orderBy: 'reconstruction' }, analysis),
    ];
    expect(ordered.orderedBy).toBe('reconstruction');
    for (const [id, s] of ordered.scores) {
      const p = plain.scores.get(id)!;
      expect([...s].sort((a, b) => a - b)).toEqual([...p].sort((a, b) => a - b));
      const o = order.scores.get(id);
      if (!o) continue;
      const byOrder = [...s.keys()].sort((a, b) => o[a]! - o[b]!);
      for (let k = 1; k < byOrder.length; k++) expect(s[byOrder[k]!]!).toBeGreaterThanOrEqual(s[byOrder[k - 1]!]!);
    }
  });

  it('scores attention heads as units: every channel of a head shares its score, and the MLP width is scored too', async () => {
    const model = loadRepoModel('tools/fixtures/models/vit-tiny.onnx');
    const analysis = analyseChannels(buildGraph(model));
    const input = model.graph!.input[0]!;
    const dims = input.type!.tensorType!.shape!.dim.map((d) => (d.dimValue ? Number(d.dimValue) : 2));
    const feeds = { [input.name]: { dims, data: Float32Array.from({ length: dims.reduce((a, d) => a * d, 1) }, rand) } };
    const { scores, skipped } = await scoreGroups(model, 'reconstruction', { runner: nodeRunner, batches: [{ feeds }], normalise: 'none' }, analysis);
    const heads = analysis.groups.filter((g) => g.prunable && g.unit > 1);
    expect(heads.length).toBeGreaterThan(0);
    for (const g of heads) {
      const s = scores.get(g.id);
      expect(s, `${g.id} scored (skipped: ${JSON.stringify(skipped)})`).toBeDefined();
      for (let h = 0; h < g.channels / g.unit; h++) expect(new Set(s!.subarray(h * g.unit, (h + 1) * g.unit)).size, `${g.id} head ${h}`).toBe(1);
      expect(new Set(s).size).toBe(g.channels / g.unit);
    }
    expect(analysis.groups.filter((g) => g.prunable && g.unit === 1 && scores.has(g.id)).length).toBeGreaterThan(0);
  });

  it('says from the graph alone which groups it cannot rank (what prune\'s default criterion checks)', () => {
    for (const file of ['fmnist-squeezenet', 'fmnist-resnet8', 'fmnist-vit']) {
      const model = loadRepoModel(`public/models/${file}.onnx`);
      expect(groupsReconstructionSkips(model, analyseChannels(buildGraph(model))), file).toEqual([]);
    }
    // The VGG's last conv is read only through Flatten → Gemm: 1,569 input columns, over least squares' limit.
    const vgg = loadRepoModel('public/models/fmnist-vgg.onnx');
    const analysis = analyseChannels(buildGraph(vgg));
    const skipped = groupsReconstructionSkips(vgg, analysis);
    expect(skipped).toHaveLength(1);
    const group = analysis.groups.find((g) => g.id === skipped[0])!;
    expect(group.channels * 49 + 1).toBe(1569);
  });

  it('reorderWithin: the k-th channel of the order gets the k-th smallest value', () => {
    expect([...reorderWithin(Float64Array.of(10, 30, 20), Float64Array.of(0.3, 0.1, 0.2))]).toEqual([30, 10, 20]);
    // Ties in the order fall back to the values.
    expect([...reorderWithin(Float64Array.of(5, 1, 3), Float64Array.of(1, 1, 0))]).toEqual([5, 3, 1]);
  });
});
