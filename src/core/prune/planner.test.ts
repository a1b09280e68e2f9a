// The planner: keep counts, rounding, caps, explicit keeps, and plan validation errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/codec.js';
import { buildGraph } from '../graph/ir.js';
import { analyseChannels } from '../graph/channels/analyse.js';
import { magnitudeScores } from '../score/magnitude.js';
import { applyPlan, PLAN_METADATA_KEY } from './apply.js';
import { parsePlan } from './plan.js';
import { keepCount, planPrune } from './planner.js';

const file = 'resnet-bottleneck-bn.onnx';
const model = decodeModel(readFileSync(new URL(`../../../tools/fixtures/models/${file}`, import.meta.url)), file);
const analysis = analyseChannels(buildGraph(model));

describe('keepCount', () => {
  it('keeps at least one channel, caps the ratio and rounds up to multiples', () => {
    expect(keepCount(64, 0.5)).toBe(32);
    expect(keepCount(3, 1)).toBe(1);
    expect(keepCount(64, 0.9, { maxRatio: 0.5 })).toBe(32);
    expect(keepCount(64, 0.7, { roundTo: 8 })).toBe(24);
    expect(keepCount(4, 0.5, { roundTo: 8 })).toBe(2);
  });
});

describe('planPrune', () => {
  it('leaves whole a group the given scores leave out (a criterion could not score it), prunes the rest', () => {
    const scores = magnitudeScores(analysis, 'l2');
    const [left] = [...scores.keys()].filter((id) => analysis.groups.find((g) => g.id === id)!.channels > 1);
    scores.delete(left!);
    const plan = planPrune(model, analysis, { ratio: 0.5, scores, criterionName: 'partial' });
    expect(plan.groups[left!]).toBeUndefined();
    expect(Object.keys(plan.groups).length).toBe(analysis.groups.filter((g) => g.prunable && g.channels > 1).length - 1);
  });

  it('keeps the highest-magnitude channels of every prunable group', () => {
    const plan = planPrune(model, analysis, { ratio: 0.5 });
    const scores = magnitudeScores(analysis, 'l2');
    expect(Object.keys(plan.groups).length).toBe(analysis.groups.filter((g) => g.prunable && g.channels > 1).length);
    for (const [id, g] of Object.entries(plan.groups)) {
      expect(g.keep.length).toBe(keepCount(g.channels, 0.5));
      const s = scores.get(id)!;
      const kept = new Set(g.keep);
      const minKept = Math.min(...g.keep.map((k) => s[k]!));
      for (let c = 0; c < g.channels; c++) if (!kept.has(c)) expect(s[c]).toBeLessThanOrEqual(minKept);
    }
    expect(plan.criterion).toBe('l2');
    expect(Object.keys(plan.groups)).not.toContain(analysis.groups[analysis.groups.length - 1]!.id);
  });

  it('uses explicit keeps and per-group ratios, and the result applies with the plan in metadata', () => {
    const [a, b] = analysis.groups.filter((g) => g.prunable);
    const plan = planPrune(model, analysis, { ratio: 0, keep: { [a!.id]: [1, 0] }, groupRatios: { [b!.id]: 0.25 } });
    expect(plan.groups[a!.id]!.keep).toEqual([0, 1]);
    expect(plan.groups[b!.id]!.keep.length).toBe(keepCount(b!.channels, 0.25));
    const pruned = applyPlan(model, plan, analysis);
    expect(JSON.parse(pruned.metadataProps.find((p) => p.key === PLAN_METADATA_KEY)!.value)).toEqual(plan);
    expect(model.metadataProps.find((p) => p.key === PLAN_METADATA_KEY)).toBeUndefined();
  });

  it('rejects plans for other models and broken plans with a reason', () => {
    const plan = planPrune(model, analysis, { ratio: 0.5 });
    const id = Object.keys(plan.groups)[0]!;
    expect(() => applyPlan(model, { ...plan, groups: { nope: { channels: 4, keep: [0] } } }, analysis)).toThrow(/does not exist in this model/);
    expect(() => applyPlan(model, { ...plan, groups: { [id]: { channels: plan.groups[id]!.channels, keep: [] } } }, analysis)).toThrow(/at least one/);
    const barrier = analysis.groups.find((g) => !g.prunable)!;
    expect(() => applyPlan(model, { ...plan, groups: { [barrier.id]: { channels: barrier.channels, keep: [0] } } }, analysis)).toThrow(/cannot be pruned: model output/);
    expect(() => parsePlan({ format: 'x' })).toThrow(/"format" must be "prune-studio-plan"/);
    expect(parsePlan(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });
});
