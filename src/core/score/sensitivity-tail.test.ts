import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { applyPlan } from '../prune/apply.js';
import { planFromRatios } from '../prune/allocate-plan.js';
import { scoreGroups } from './criteria.js';
import type { ImageBatch } from './images.js';
import type { ModelRunner } from './runner.js';
import { analyseSensitivity, type SensitivityProgress } from './sensitivity.js';
import { FrontierCache, prunedTail, tailBase } from './sensitivity-tail.js';
import { loadRepoModel, nodeRunner, seededRandom } from './test-utils/ort-runner.js';

const MODELS: [string, number[]][] = [
  ['tools/fixtures/models/resnet-basic-bn.onnx', [3, 64, 64]],
  ['tools/fixtures/models/mobilenet-v2.onnx', [3, 64, 64]],
  ['tools/fixtures/models/multi-task.onnx', [1, 28, 28]],
  ['public/models/fmnist-resnet8.onnx', [1, 28, 28]],
];

function batchesFor(chw: number[], seed: number): ImageBatch[] {
  const rand = seededRandom(seed);
  const size = chw.reduce((a, b) => a * b, 1);
  // Two batches of different sizes: the cache must hand each batch its own tensors.
  return [4, 3].map((n) => ({ feeds: { input: { dims: [n, ...chw], data: Float32Array.from({ length: n * size }, () => rand() * 2 - 1) } } }));
}

describe('sensitivity on the pruned tail equals the whole pruned model (real fixtures, onnxruntime-node)', () => {
  for (const [path, chw] of MODELS) {
    it(path, async () => {
      const model = loadRepoModel(path);
      const analysis = analyseChannels(buildGraph(model));
      const { scores } = await scoreGroups(model, 'l2');
      const batches = batchesFor(chw, 5);
      const ratios = [0.3, 0.9];
      let opened = 0;
      let openedNodes = 0;
      const counting: ModelRunner = async (m) => {
        opened++;
        openedNodes += m.graph!.node.length;
        return nodeRunner(m);
      };
      const full = await analyseSensitivity(model, { runner: nodeRunner, batches, scores, criterion: 'l2', ratios, fullModel: true }, analysis);
      const progress: SensitivityProgress[] = [];
      const tail = await analyseSensitivity(model, { runner: counting, batches, scores, criterion: 'l2', ratios, onProgress: (p) => progress.push(p) }, analysis);
      expect(Object.keys(tail.curves)).toEqual(Object.keys(full.curves));
      expect(Object.keys(full.curves).length).toBeGreaterThan(1);
      expect(tail.outputs).toEqual(full.outputs);
      expect(tail.baseline).toEqual(full.baseline);
      for (const [id, f] of Object.entries(full.curves)) {
        const t = tail.curves[id]!;
        expect(t.macs).toEqual(f.macs);
        expect(t.params).toEqual(f.params);
        t.drop.forEach((d, i) => expect(d, `${id} @ ${ratios[i]}`).toBeCloseTo(f.drop[i]!, 5));
        for (const [name, drops] of Object.entries(f.perOutput ?? {})) drops.forEach((d, i) => expect(t.perOutput![name]![i], `${id} ${name} @ ${ratios[i]}`).toBeCloseTo(d, 5));
        expect(Object.keys(t.perOutput ?? {})).toEqual(Object.keys(f.perOutput ?? {}));
      }
      // The tails run fewer nodes than whole models would (opened counts the reference run and the captures too).
      const steps = Object.keys(full.curves).length * ratios.length;
      expect(openedNodes).toBeLessThan(opened * model.graph!.node.length);
      expect(opened).toBeGreaterThanOrEqual(steps);
      expect(progress.map((p) => p.done)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
      expect(progress.every((p) => Number.isFinite(p.secondsLeft) && p.secondsLeft >= 0)).toBe(true);
      expect(progress.at(-1)!.secondsLeft).toBe(0);
    }, 120_000);
  }
});

describe('the pruned tail', () => {
  const model = loadRepoModel('tools/fixtures/models/resnet-basic-bn.onnx');
  const analysis = analyseChannels(buildGraph(model));

  it('starts at the first changed layer and reads unchanged activations only', async () => {
    const { scores } = await scoreGroups(model, 'l2');
    const base = tailBase(model, analysis.shapes);
    const sizes = analysis.groups.filter((g) => g.prunable).map((g) => {
      const pruned = applyPlan(model, planFromRatios(model, analysis, scores, { [g.id]: 0.5 }, 'l2'), analysis);
      const tail = prunedTail(base, pruned);
      if (!tail || tail === 'unchanged') throw new Error(`no tail for ${g.id}`);
      const producers = new Set(model.graph!.node.flatMap((n) => n.output));
      for (const i of tail.inputs) expect(producers.has(i) || i === 'input').toBe(true);
      return tail.nodes;
    });
    // The stem's tail is the whole network; later groups have shorter ones.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(model.graph!.node.length);
    expect(Math.min(...sizes)).toBeLessThan(model.graph!.node.length / 2);
  });

  it('captures each frontier from the previous one: about one pass over the network for all groups', async () => {
    const { scores } = await scoreGroups(model, 'l2');
    const base = tailBase(model, analysis.shapes);
    const batches = batchesFor([3, 64, 64], 9);
    const cache = new FrontierCache(base, nodeRunner, batches);
    const ids = analysis.groups.filter((g) => g.prunable).map((g) => g.id);
    const position = new Map(analysis.ir.nodes.map((n, i) => [analysis.ir.nodeId.get(n)!, i]));
    ids.sort((a, b) => position.get(a)! - position.get(b)!);
    let last: Awaited<ReturnType<FrontierCache['feeds']>> = [];
    for (const id of ids) {
      cache.startGroup();
      const pruned = applyPlan(model, planFromRatios(model, analysis, scores, { [id]: 0.5 }, 'l2'), analysis);
      const tail = prunedTail(base, pruned);
      if (!tail || tail === 'unchanged') throw new Error(`no tail for ${id}`);
      last = await cache.feeds(tail);
      // Only this group's frontier is held.
      expect(cache.held().sort()).toEqual(tail.inputs.filter((n) => n !== 'input').sort());
    }
    expect(cache.captures).toBeGreaterThan(1);
    expect(cache.capturedNodes).toBeLessThan(model.graph!.node.length * 1.5);
    expect(cache.capturedNodes).toBeLessThan((model.graph!.node.length * cache.captures) / 2);
    expect(last.map((f) => Object.values(f)[0]!.dims[0])).toEqual([4, 3]);
  });

  it('is unchanged for the model itself and not cut for a model with sub-graphs', () => {
    expect(prunedTail(tailBase(model), model)).toBe('unchanged');
    const base = { ...tailBase(model), usable: false };
    expect(prunedTail(base, model)).toBeUndefined();
  });
});
