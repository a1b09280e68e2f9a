import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { computeMetrics } from '../metrics/model-metrics.js';
import { loadRepoModel } from '../score/test-utils/ort-runner.js';
import { applyPlan } from './apply.js';
import { composePlans, gradualSchedule } from './gradual.js';
import { planPrune } from './planner.js';

describe('gradualSchedule', () => {
  it('cuts geometrically to the target and gives the last step the most epochs', () => {
    expect(gradualSchedule(2, 0.5, 10)).toEqual([{ keep: Math.SQRT1_2, epochs: 3 }, { keep: 0.5, epochs: 7 }]);
    const three = gradualSchedule(3, 0.5, 10);
    expect(three.map((s) => s.epochs)).toEqual([2, 3, 5]);
    expect(three[0]!.keep).toBeCloseTo(Math.cbrt(0.5), 12);
    expect(three[2]!.keep).toBe(0.5);
    expect(gradualSchedule(1, 0.3, 10)).toEqual([{ keep: 0.3, epochs: 10 }]);
    expect(gradualSchedule(3, 0.5, 3).map((s) => s.epochs)).toEqual([1, 1, 1]);
    expect(() => gradualSchedule(0, 0.5, 10)).toThrow(/steps/);
  });
});

describe('composePlans', () => {
  it('a plan of the pruned model, composed with the first, prunes the original to the same architecture and weights', () => {
    const original = loadRepoModel('public/models/fmnist-resnet8.onnx');
    const analysis = analyseChannels(buildGraph(original));
    const first = planPrune(original, analysis, { ratio: 0.25 });
    const once = applyPlan(original, first, analysis);
    const onceAnalysis = analyseChannels(buildGraph(once));
    const second = planPrune(once, onceAnalysis, { ratio: 0.3 });
    const twice = applyPlan(once, second, onceAnalysis);
    const composed = composePlans(first, second);
    const direct = applyPlan(original, composed, analysis);
    expect(computeMetrics(buildGraph(direct))).toEqual(computeMetrics(buildGraph(twice)));
    const weights = (m: typeof original) => Object.fromEntries(m.graph!.initializer.map((t) => [t.name, Array.from(t.rawData ?? t.floatData ?? [])]));
    expect(weights(direct)).toEqual(weights(twice));
    for (const [id, g] of Object.entries(composed.groups)) {
      expect(g.channels).toBe(analysis.groups.find((x) => x.id === id)!.channels);
      expect([...g.keep].sort((a, b) => a - b)).toEqual(g.keep);
    }
  });
});
