import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { computeMetrics } from '../metrics/model-metrics.js';
import { scoreGroups } from '../score/criteria.js';
import { compareOutputs, referenceOutputs } from '../score/metric.js';
import { analyseSensitivity } from '../score/sensitivity.js';
import { loadScoreFixture, nodeRunner, seededRandom } from '../score/test-utils/ort-runner.js';
import { applyPlan } from './apply.js';
import { allocateBudgeted, allocateGreedy } from './allocate.js';
import { keepTopChannels, keptCount, planFromRatios } from './allocate-plan.js';

const model = loadScoreFixture('mix-bn-opset13.onnx');
const analysis = analyseChannels(buildGraph(model));
const rand = seededRandom(11);
const batches = [{ feeds: { input: { dims: [8, 1, 16, 16], data: Float32Array.from({ length: 8 * 256 }, rand) } } }];

describe('plans from scores', () => {
  it('keeps the highest-scoring channels, at least one', () => {
    expect(keepTopChannels([0.1, 0.9, 0.5, 0.7], 2)).toEqual([1, 3]);
    expect(keepTopChannels([1, 2], 0)).toEqual([1]);
    expect(keptCount(10, 0.35)).toBe(7);
    expect(keptCount(64, 0.5, 8)).toBe(32);
    expect(keptCount(4, 0.99)).toBe(1);
  });
});

describe('sensitivity and allocation (mix fixture, onnxruntime-node)', async () => {
  const { scores } = await scoreGroups(model, 'l2');
  const sens = await analyseSensitivity(model, { runner: nodeRunner, batches, scores, criterion: 'l2', ratios: [0.25, 0.5, 0.75] }, analysis);

  it('records one drop/MACs/params per ratio and matches an independent measurement', async () => {
    expect(sens.metric).toBe('agreement');
    expect(Object.keys(sens.curves).sort()).toEqual([...scores.keys()].sort());
    const id = '/c2/Conv';
    const curve = sens.curves[id]!;
    expect(curve.macs[0]).toBeGreaterThan(curve.macs[2]!);
    const plan = planFromRatios(model, analysis, scores, { [id]: 0.5 }, 'l2');
    const pruned = applyPlan(model, plan, analysis);
    const reference = await referenceOutputs(model, nodeRunner, batches);
    const q = compareOutputs(await referenceOutputs(pruned, nodeRunner, batches), reference, batches, 'logits');
    expect(curve.drop[1]).toBeCloseTo(1 - q.agreement, 10);
    expect(curve.macs[1]).toBe(computeMetrics(buildGraph(pruned)).macs);
  });

  it('reports progress and stops with an AbortError when the signal fires', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = analyseSensitivity(model, {
      runner: nodeRunner, batches, scores, criterion: 'l2', ratios: [0.25, 0.5],
      signal: controller.signal, onProgress: (p) => { seen.push(p.done); if (p.done === 2) controller.abort(); },
    }, analysis);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([1, 2]);
  });

  it('greedy allocation meets a MACs target exactly measured on the pruned model', async () => {
    const result = await allocateGreedy(model, analysis, { sensitivity: sens, scores, target: { kind: 'macs', keep: 0.7 } });
    expect(result.reached).toBe(true);
    const pruned = applyPlan(model, planFromRatios(model, analysis, scores, result.ratios, 'l2'), analysis);
    const macs = computeMetrics(buildGraph(pruned)).macs;
    expect(macs).toBe(result.cost);
    expect(macs).toBeLessThanOrEqual(0.7 * sens.baseMacs);
  });

  it('budgeted (PAGCP-style) allocation keeps every output within its drop budget', async () => {
    const result = await allocateBudgeted(model, analysis, { runner: nodeRunner, batches, scores, criterion: 'l2', metric: 'agreement', layerBudget: 0.125, totalBudget: 0.25, sensitivity: sens, ratios: [0.25, 0.5, 0.75] });
    expect(Object.keys(result.ratios).length).toBeGreaterThan(0);
    const pruned = applyPlan(model, planFromRatios(model, analysis, scores, result.ratios, 'l2'), analysis);
    const reference = await referenceOutputs(model, nodeRunner, batches);
    const q = compareOutputs(await referenceOutputs(pruned, nodeRunner, batches), reference, batches, 'logits');
    expect(1 - q.agreement).toBeLessThanOrEqual(0.25);
    expect(1 - q.agreement).toBeCloseTo(result.predictedDrop, 10);
  });
});
