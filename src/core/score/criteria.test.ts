import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { exposeTensors } from '../graph/expose.js';
import { buildGraph, constantTensor } from '../graph/ir.js';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { CRITERIA, criterionInfo, scoreGroups } from './criteria.js';
import { oracleScores } from './criteria-data.js';
import { groupTensors } from './group-tensors.js';
import { makeNode } from './graph-builder.js';
import { crossEntropyPerImage, oneHot } from './images.js';
import { magnitudeScores } from './magnitude.js';
import { withModel, type Float32Tensor } from './runner.js';
import { perturbedModel } from './test-utils/finite-diff.js';
import { loadRepoModel, loadScoreFixture, nodeRunner, seededRandom } from './test-utils/ort-runner.js';

const model = loadScoreFixture('mix-bn-opset13.onnx');
const rand = seededRandom(7);
const images = (n: number): Float32Tensor => ({ dims: [n, 1, 16, 16], data: Float32Array.from({ length: n * 256 }, rand) });
const batchA = { feeds: { input: images(3) }, labels: [0, 1, 2] };
const batchB = { feeds: { input: images(2) }, labels: [3, 4] };
const batches = [batchA, batchB];
const raw = { aggregate: 'mean', normalise: 'none' } as const;

/** The c2 group: Conv c2 → ReLU, read by c3. Its feature map is /Relu_1_output_0. */
const GROUP = '/c2/Conv';
const MAP = '/Relu_1_output_0';

async function featureMaps(): Promise<Float32Tensor[]> {
  return withModel(nodeRunner, exposeTensors(model, [MAP]), (m) => Promise.all(batches.map(async (b) => (await m.run(b.feeds))[MAP]!)));
}

/** Per channel, the mean over images of f(channel map of one image). */
function perMap(maps: Float32Tensor[], f: (values: Float32Array) => number): number[] {
  const [, c, h, w] = maps[0]!.dims as [number, number, number, number];
  const out = new Array<number>(c).fill(0);
  let count = 0;
  for (const t of maps) for (let i = 0; i < t.dims[0]!; i++, count++) for (let ch = 0; ch < c; ch++) out[ch] = out[ch]! + f(t.data.subarray((i * c + ch) * h * w, (i * c + ch + 1) * h * w));
  return out.map((v) => v / count);
}

const closeTo = (actual: Float64Array | undefined, expected: number[], rel = 1e-4) => {
  expect(actual).toBeDefined();
  const scale = Math.max(...expected.map(Math.abs), 1e-12);
  expected.forEach((e, i) => expect(Math.abs(actual![i]! - e) / scale, `channel ${i}`).toBeLessThan(rel));
};

describe('criteria against independent computations', () => {
  it('l1 / l2: norms of the producing Conv weight rows', async () => {
    const w = constantTensor(buildGraph(model), model.graph!.node.find((n) => n.name === '/c2/Conv')!.input[1]!)!;
    const [m] = tensorDims(w);
    const data = tensorToFloat32(w);
    const per = data.length / m!;
    const rows = Array.from({ length: m! }, (_, i) => data.subarray(i * per, (i + 1) * per));
    closeTo((await scoreGroups(model, 'l1', raw)).scores.get(GROUP), rows.map((r) => r.reduce((a, v) => a + Math.abs(v), 0)));
    closeTo((await scoreGroups(model, 'l2', raw)).scores.get(GROUP), rows.map((r) => Math.sqrt(r.reduce((a, v) => a + v * v, 0))));
  });

  it('activation L2 / mean |a| / APoZ from the feature maps', async () => {
    const maps = await featureMaps();
    const opts = { ...raw, runner: nodeRunner, batches };
    closeTo((await scoreGroups(model, 'act-l2', opts)).scores.get(GROUP), perMap(maps, (v) => Math.sqrt(v.reduce((a, x) => a + x * x, 0))));
    closeTo((await scoreGroups(model, 'mean-abs', opts)).scores.get(GROUP), perMap(maps, (v) => v.reduce((a, x) => a + Math.abs(x), 0) / v.length));
    closeTo((await scoreGroups(model, 'apoz', opts)).scores.get(GROUP), perMap(maps, (v) => 1 - v.filter((x) => x === 0).length / v.length));
  });

  it('Taylor: per image |Σ a·∂C/∂a| / positions, from float32 finite differences (1 %)', async () => {
    const single = [{ feeds: { input: { dims: [1, 1, 16, 16], data: batchA.feeds.input.data.slice(0, 256) } }, labels: [2] }];
    // The Fire expand group: its gradients are large enough for float32 differences to resolve.
    const got = (await scoreGroups(model, 'taylor', { ...raw, runner: nodeRunner, batches: single })).scores.get('/e1/Conv')!;
    const eps = 1e-3;
    const fd = await withModel(nodeRunner, perturbedModel(model, '/Relu_5_output_0', 'scale'), async (m) => {
      const loss = async (c: number, s: number) => {
        const scale = new Float32Array(6).fill(1);
        scale[c] = s;
        const out = await m.run({ ...single[0]!.feeds, __scale: { dims: [1, 6, 1, 1], data: scale } });
        return crossEntropyPerImage(out.logits!, oneHot([2], 5), false)[0]!;
      };
      const out: number[] = [];
      for (let c = 0; c < 6; c++) out.push(Math.abs((await loss(c, 1 + eps)) - (await loss(c, 1 - eps))) / (2 * eps) / 16);
      return out;
    });
    closeTo(got, fd, 1e-2);
  });

  it('oracle: the loss increase when the channel’s weights are zeroed in a copy of the model', async () => {
    const got = (await scoreGroups(model, 'oracle', { ...raw, runner: nodeRunner, batches })).scores.get('/e1/Conv')!;
    const loss = async (m: typeof model) => withModel(nodeRunner, m, async (s) => {
      let total = 0;
      for (const b of batches) total += crossEntropyPerImage((await s.run(b.feeds)).logits!, oneHot(b.labels, 5), false).reduce((a, v) => a + v, 0);
      return total / 5;
    });
    const base = await loss(model);
    const expected: number[] = [];
    for (let c = 0; c < 6; c++) {
      const copy = decodeModel(encodeModel(model));
      const conv = copy.graph!.node.find((n) => n.name === '/e1/Conv')!;
      for (const input of conv.input.slice(1)) {
        const t = copy.graph!.initializer.find((i) => i.name === input)!;
        const values = tensorToFloat32(t);
        const per = values.length / tensorDims(t)[0]!;
        values.fill(0, c * per, (c + 1) * per);
        t.rawData = new Uint8Array(Float32Array.from(values).buffer);
        t.floatData = [];
      }
      expected.push(Math.max(0, (await loss(copy)) - base));
    }
    closeTo(got, expected, 1e-3);
  });

  it('oracle: the cached sub-graph fast path equals rerunning a masked copy of the whole model', async () => {
    const analysis = analyseChannels(buildGraph(model));
    const groups = new Map(analysis.groups.filter((g) => g.prunable).map((g) => [g.id, { tensors: groupTensors(analysis, g).map((t) => ({ ...t, rank: analysis.layouts.get(t.name)!.rank })), channels: g.channels }]));
    const opts = { runner: nodeRunner, batches };
    const fast = await oracleScores(model, groups, 'logits', 0, false, opts, true);
    const full = await oracleScores(model, groups, 'logits', 0, false, opts, false);
    expect(fast.size).toBe(groups.size);
    for (const [id, s] of full) closeTo(fast.get(id), Array.from(s), 1e-4);
  });

  it('BN |γ| reads the kept BatchNormalization scale', async () => {
    const bnModel = loadRepoModel('tools/fixtures/models/resnet-basic-bn.onnx');
    const ir = buildGraph(bnModel);
    const analysis = analyseChannels(ir);
    const result = await scoreGroups(bnModel, 'bn-gamma', raw, analysis);
    expect(result.scores.size).toBeGreaterThan(0);
    for (const [id, scores] of result.scores) {
      const group = analysis.groups.find((g) => g.id === id)!;
      if (group.spaces.length !== 1) continue;
      const conv = analysis.spaces[group.spaces[0]!]!.producer!;
      const bn = ir.consumers.get(conv.output[0]!)?.[0]?.node;
      if (bn?.opType !== 'BatchNormalization') continue;
      closeTo(scores, Array.from(tensorToFloat32(constantTensor(ir, bn.input[1]!)!), Math.abs));
    }
  });

  it('random is seeded; normalisation gives each group mean 1', async () => {
    const a = await scoreGroups(model, 'random', { seed: 1 });
    const b = await scoreGroups(model, 'random', { seed: 1 });
    const c = await scoreGroups(model, 'random', { seed: 2 });
    expect([...a.scores.get(GROUP)!]).toEqual([...b.scores.get(GROUP)!]);
    expect([...a.scores.get(GROUP)!]).not.toEqual([...c.scores.get(GROUP)!]);
    for (const s of a.scores.values()) expect(s.reduce((x, v) => x + v, 0) / s.length).toBeCloseTo(1, 6);
  });

  it('Taylor skips only the groups whose path to the output has an op without a backward rule', async () => {
    const copy = decodeModel(encodeModel(model));
    const relu = copy.graph!.node.find((n) => n.output[0] === '/Relu_5_output_0')!;
    copy.graph!.node[copy.graph!.node.indexOf(relu)] = makeNode('Elu', relu.input, relu.output, 'an_elu');
    const result = await scoreGroups(copy, 'taylor', { runner: nodeRunner, batches });
    // e1's feature map is the Elu output itself: its gradient does not pass through the Elu.
    expect([...result.scores.keys()].sort()).toEqual(['/e1/Conv', '/e3/Conv', '/fc1/Gemm']);
    expect(result.skipped.find((s) => s.group === '/c2/Conv')?.reason).toMatch(/Elu node "an_elu"/);
  });

  it('l1 / l2 of a residual group: the group norm over all its producers, as the planner ranks', async () => {
    const res = loadRepoModel('tools/fixtures/models/resnet-bottleneck-bn.onnx');
    const analysis = analyseChannels(buildGraph(res));
    for (const norm of ['l1', 'l2'] as const) {
      const planner = magnitudeScores(analysis, norm);
      const { scores } = await scoreGroups(res, norm, raw, analysis);
      expect(scores.size).toBe(analysis.groups.filter((g) => g.prunable).length);
      for (const [id, s] of scores) closeTo(s, Array.from(planner.get(id)!), 1e-12);
    }
  });

  it('l1 / l2 read weights forwarded through Identity', async () => {
    const copy = decodeModel(encodeModel(model));
    const conv = copy.graph!.node.find((n) => n.name === '/c2/Conv')!;
    copy.graph!.node.unshift(makeNode('Identity', [conv.input[1]!], ['c2_w_forwarded'], 'forward_w'));
    conv.input[1] = 'c2_w_forwarded';
    const direct = (await scoreGroups(model, 'l2', raw)).scores.get(GROUP)!;
    closeTo((await scoreGroups(copy, 'l2', raw)).scores.get(GROUP), Array.from(direct), 1e-12);
  });

  it('the registry: unique ids, each with a name and a one-line description', () => {
    expect(new Set(CRITERIA.map((c) => c.id)).size).toBe(CRITERIA.length);
    for (const c of CRITERIA) {
      expect(c.name.length).toBeGreaterThan(0);
      expect(c.description).not.toMatch(/\n/);
      expect(criterionInfo(c.id)).toBe(c);
    }
  });

  it('errors say what to do', async () => {
    expect(() => criterionInfo('fisher')).toThrow(/choose one of: l1, l2/);
    await expect(scoreGroups(model, 'taylor')).rejects.toThrow(/needs images/);
  });
});
