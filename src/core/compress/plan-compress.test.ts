// The compress part of a version 2 plan on the Fashion-MNIST VGG demo: the same weights as calling
// factoriseModel and sparsifyModel directly, the plan in the metadata, channel pruning first, and
// checked ranks (unknown layer, rank above the full rank) and Taylor without images refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { decodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/proto.js';
import { tensorToFloat32 } from '../onnx/tensor.js';
import { applyPlan, PLAN_METADATA_KEY } from '../prune/apply.js';
import { planModelInfo, planWithCompress, PLAN_FORMAT, type PrunePlan } from '../prune/plan.js';
import { planPrune } from '../prune/planner.js';
import { factoriseModel } from './lowrank.js';
import { lowRankCandidates } from './lowrank-layers.js';
import { applyPlanCompress, checkPlanRanks, resolveRanks } from './plan-compress.js';
import { sparsifyModel } from './sparsify.js';

const model = decodeModel(readFileSync(new URL('../../../public/models/fmnist-vgg.onnx', import.meta.url)), 'fmnist-vgg.onnx');
const weights = (m: ModelProto) => new Map(m.graph!.initializer.map((t) => [t.name, Array.from(tensorToFloat32(t))]));
const empty: PrunePlan = { format: PLAN_FORMAT, version: 1, model: planModelInfo(model), criterion: 'manual', groups: {} };

describe('applyPlanCompress', () => {
  const candidates = lowRankCandidates(buildGraph(model)).candidates;
  const ranks = Object.fromEntries(candidates.slice(0, 2).map((c) => [c.id, Math.max(1, Math.floor(c.breakEven / 2))]));

  it('low rank then sparsity: the weights of factoriseModel then sparsifyModel, the v2 plan in the metadata', async () => {
    const plan = planWithCompress(empty, { lowrank: { ranks }, sparsity: { pattern: '2:4', sparsity: 0.5, scope: 'layer', criterion: 'magnitude' } });
    const result = await applyPlanCompress(model, plan);
    const direct = sparsifyModel(factoriseModel(model, { target: { kind: 'ranks', ranks } }).model, { pattern: { kind: 'n:m', n: 2, m: 4 }, sparsity: 0.5 }).model;
    expect(weights(result.model)).toEqual(weights(direct));
    expect(result.lowrank!.layers.map((l) => [l.node, l.rank])).toEqual(Object.entries(ranks));
    expect(result.sparsity!.layers.length).toBeGreaterThan(0);
    expect(JSON.parse(result.model.metadataProps.find((p) => p.key === PLAN_METADATA_KEY)!.value)).toEqual(plan);
    expect(model.metadataProps.find((p) => p.key === PLAN_METADATA_KEY)).toBeUndefined();
  });

  it('a plan without compression returns the model itself', async () => {
    expect((await applyPlanCompress(model, empty)).model).toBe(model);
  });

  it('refuses unknown layers (listing the factorisable ones), ranks beyond the full rank, taylor without importance', async () => {
    expect(() => checkPlanRanks(model, { '/nope/Gemm': 2 })).toThrow(new RegExp(`plan lowrank layer "/nope/Gemm" is not a factorisable layer of this model.*factorisable layers: "${candidates[0]!.id}"`));
    const c = candidates[0]!;
    const full = Math.min(c.out, c.in);
    expect(() => checkPlanRanks(model, { [c.id]: full + 1 })).toThrow(new RegExp(`rank ${full + 1} is outside 1 … ${full}, the full rank of its ${c.out}×${c.in} weight`));
    const taylor = planWithCompress(empty, { sparsity: { pattern: 'unstructured', sparsity: 0.5, scope: 'global', criterion: 'taylor' } });
    await expect(applyPlanCompress(model, taylor)).rejects.toThrow(/"taylor": its weight importance needs calibration images/);
  });

  it('after channel pruning: resolveRanks clamps to the pruned width and drops ranks at or above break-even', async () => {
    const analysis = analyseChannels(buildGraph(model));
    const pruned = applyPlan(model, planPrune(model, analysis, { ratio: 0.5 }), analysis);
    const wide = Object.fromEntries(candidates.map((c) => [c.id, Math.min(c.out, c.in)]));
    const resolved = resolveRanks(pruned, { ...wide, [candidates[0]!.id]: 1, '/not/here': 3 });
    expect(resolved.ranks).toEqual({ [candidates[0]!.id]: 1 });
    expect(resolved.dense.length).toBe(candidates.length - 1);
    expect(() => checkPlanRanks(pruned, resolved.ranks)).not.toThrow();
    const after = await applyPlanCompress(pruned, planWithCompress(empty, { lowrank: resolved }), { context: 'after channel pruning' });
    expect(after.lowrank!.layers).toHaveLength(1);
    expect(() => checkPlanRanks(pruned, { [candidates[0]!.id]: Math.min(candidates[0]!.out, candidates[0]!.in) }, { context: 'after channel pruning' })).toThrow(/after channel pruning/);
  });
});
