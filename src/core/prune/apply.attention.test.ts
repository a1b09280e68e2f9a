// Pruning attention heads, MLP width and embedding width: on torch exports (torchvision ViT and
// nn.TransformerEncoder through nn.MultiheadAttention, torchvision Swin, timm-style DeiT) and on hand-written attention, the pruned model must equal the
// original with the removed heads' Q/K/V rows masked, pass the post-surgery check (applyPlan runs
// it), and lose exactly the MACs the removed heads carried.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/proto.js';
import { buildGraph } from '../graph/ir.js';
import { analyseChannels, type ChannelAnalysis } from '../graph/channels/analyse.js';
import { attentionGraph } from '../graph/channels/test-utils/attention-graphs.js';
import { modelMetrics } from '../metrics/model-metrics.js';
import { applyPlan } from './apply.js';
import { planPrune } from './planner.js';
import type { PrunePlan } from './plan.js';
import { halfPlan, maskedReference, randomPlan } from './test-utils/masked.js';
import { randomInputs, runModel, worstMismatch } from './test-utils/ort.js';

const fixture = (name: string) => decodeModel(readFileSync(`tools/fixtures/models/${name}.onnx`), name);

async function expectPrunedEqualsMasked(model: ModelProto, analysis: ChannelAnalysis, plan: PrunePlan, inputs: { name: string; shape: (number | string)[] }[]) {
  const feeds = randomInputs(inputs, 3);
  const pruned = encodeModel(applyPlan(model, plan, analysis));
  const [original, want, got] = await Promise.all([runModel(model, feeds), runModel(maskedReference(model, plan, analysis), feeds), runModel(pruned, feeds)]);
  for (const k of Object.keys(want)) {
    expect(got[k]!.dims).toEqual(want[k]!.dims);
    expect(worstMismatch(want[k]!.data, got[k]!.data, 1e-4)).toBeLessThanOrEqual(1);
    // Not vacuous: the removed heads changed the output.
    expect(worstMismatch(original[k]!.data, want[k]!.data, 1e-4)).toBeGreaterThan(1);
  }
  return decodeModel(pruned, 'pruned.onnx');
}

const headsOnly = (analysis: ChannelAnalysis, plan: PrunePlan): PrunePlan => ({
  ...plan,
  groups: Object.fromEntries(Object.entries(plan.groups).filter(([id]) => analysis.groups.find((g) => g.id === id)!.unit > 1)),
});

describe.each([
  { name: 'vit-tiny', tokens: 17, inputs: [{ name: 'input', shape: ['batch', 3, 32, 32] }] },
  { name: 'transformer-encoder', tokens: 16, inputs: [{ name: 'input', shape: ['batch', 3, 16, 16] }] },
])('$name', ({ name, tokens, inputs }) => {
  const model = fixture(name);
  const analysis = analyseChannels(buildGraph(model));
  const plan = planPrune(model, analysis, { ratio: 0.5 });

  it('prunes half the heads (whole heads, by summed L2) and half the MLP: pruned == masked', async () => {
    const heads = analysis.groups.filter((g) => g.unit > 1);
    for (const g of heads) {
      const keep = plan.groups[g.id]!.keep;
      expect(keep).toHaveLength(16); // 2 of 4 heads of 8
      expect(keep.every((c, i) => i % 8 !== 0 || c % 8 === 0)).toBe(true);
    }
    expect(Object.keys(plan.groups).length).toBeGreaterThan(heads.length); // the MLPs too
    await expectPrunedEqualsMasked(model, analysis, plan, inputs);
    for (const seed of [1, 2]) await expectPrunedEqualsMasked(model, analysis, randomPlan(analysis, seed), inputs);
  });

  it('loses exactly the MACs of the removed heads (in_proj Q/K/V rows, Q·Kᵀ, attn·V, out_proj columns)', () => {
    const only = headsOnly(analysis, plan);
    const removed = Object.values(only.groups).reduce((n, g) => n + (g.channels - g.keep.length) / 8, 0);
    const before = modelMetrics(model).macs;
    const after = modelMetrics(applyPlan(model, only, analysis)).macs;
    const e = 32;
    const d = 8;
    const perHead = 3 * tokens * e * d + 2 * tokens * tokens * d + tokens * d * e;
    expect(before - after).toBe(removed * perHead);
  });

  it('prunes the embedding width (patch embedding, class token, position embedding, every LayerNorm, projections, head): pruned == masked', async () => {
    const embed = analysis.groups.find((g) => g.members.some((m) => m.role === 'Conv.weight[out]'))!;
    expect(embed.prunable).toBe(true);
    expect(embed.channelStatistics).toBe(true);
    const roles = embed.members.map((m) => m.role).join('\n');
    if (name === 'vit-tiny') expect(roles).toMatch(/Concat.input0 \(constant\) via Expand/); // class token
    expect(roles).toMatch(/Add.input1 \(per-channel constant\)/); // position embedding / LayerNorm β
    expect(roles).toMatch(/kept at 8/); // head_dim computed from embed_dim / heads, frozen
    const keep = Array.from({ length: 32 }, (_, i) => i).filter((i) => i % 3 !== 1);
    const embedOnly: PrunePlan = { ...plan, groups: { [embed.id]: { channels: 32, keep } } };
    const pruned = await expectPrunedEqualsMasked(model, analysis, embedOnly, inputs);
    expect(modelMetrics(pruned).params).toBeLessThan(modelMetrics(model).params * 0.75);
    // Together with heads and MLPs, at random.
    for (const seed of [3, 5]) await expectPrunedEqualsMasked(model, analysis, randomPlan(analysis, seed, 0.7, true), inputs);
  });

  it('refuses a plan that keeps part of a head', () => {
    const g = analysis.groups.find((x) => x.unit > 1)!;
    const partial: PrunePlan = { ...plan, groups: { [g.id]: { channels: 32, keep: Array.from({ length: 20 }, (_, i) => i) } } };
    expect(() => applyPlan(model, partial, analysis)).toThrow(/whole attention heads of 8 channels/);
  });
});

describe('swin-tiny (torchvision SwinTransformer: windows, cyclic shift, patch merging)', () => {
  const model = fixture('swin-tiny');
  const analysis = analyseChannels(buildGraph(model));
  const inputs = [{ name: 'input', shape: ['batch', 3, 32, 32] }];

  it('prunes heads (qkv stacked as [B·nW, N, 3, h, d], relative-position bias sliced per head), MLPs and each stage’s embedding width: pruned == masked', async () => {
    const stats = analysis.groups.filter((g) => g.prunable && g.channelStatistics);
    expect(stats).toHaveLength(2); // stage 1 (patch embedding) and stage 2 (patch merging)
    // The window reverse reads the block input's width before the residual Add ties it: one group per stage anyway.
    const heads = analysis.groups.filter((g) => g.prunable && g.unit > 1);
    expect(heads.map((g) => g.channels / g.unit)).toEqual([2, 2, 4, 4]);
    expect(heads.every((g) => g.members.some((m) => m.role.includes('per-head constant')))).toBe(true);
    expect(analysis.groups.filter((g) => g.prunable && g.unit === 1 && !g.channelStatistics)).toHaveLength(4);
    const oneHeadEach: PrunePlan = { ...randomPlan(analysis, 1), groups: Object.fromEntries(heads.map((g) => [g.id, { channels: g.channels, keep: Array.from({ length: g.channels - g.unit }, (_, i) => i + g.unit) }])) };
    await expectPrunedEqualsMasked(model, analysis, oneHeadEach, inputs);
    for (const seed of [1, 2]) await expectPrunedEqualsMasked(model, analysis, randomPlan(analysis, seed, 0.7, true), inputs);
  });
});

describe('deit-tiny (timm-style attention: qkv stacked and unbound, class + distillation tokens)', () => {
  const model = fixture('deit-tiny');
  const analysis = analyseChannels(buildGraph(model));
  const inputs = [{ name: 'input', shape: ['batch', 3, 32, 32] }];

  it('prunes heads (Split + Squeeze of the stacked qkv), MLPs and the embedding width: pruned == masked', async () => {
    const heads = analysis.groups.filter((g) => g.prunable && g.unit > 1);
    expect(heads.map((g) => g.channels / g.unit)).toEqual([4, 4]);
    expect(analysis.groups.filter((g) => g.prunable && g.channelStatistics)).toHaveLength(1);
    await expectPrunedEqualsMasked(model, analysis, halfPlan(analysis), inputs);
    for (const seed of [1, 2]) await expectPrunedEqualsMasked(model, analysis, randomPlan(analysis, seed, 0.7, true), inputs);
  });
});

describe.each([
  ['separate Q, K, V', {}],
  ['packed QKV cut by chunk Slices', { packed: true }],
  ['a per-head bias on the scores', { perHeadBias: true }],
])('hand-written attention, %s', (_, options) => {
  const model = attentionGraph(options).build();
  const analysis = analyseChannels(buildGraph(model));

  it('pruned == masked for half and random head plans', async () => {
    const inputs = [{ name: 'x', shape: [1, 6, 12] }];
    for (const plan of [halfPlan(analysis), randomPlan(analysis, 1), randomPlan(analysis, 4)]) await expectPrunedEqualsMasked(model, analysis, plan, inputs);
  });
});

it('plan costing mirrors head pruning (heads, head_dim units, batch folded into the head axis) without applying', async () => {
  const { costOfPlan, planCostModel } = await import('../metrics/plan-cost.js');
  for (const model of [fixture('vit-tiny'), attentionGraph({ packed: true }).build()]) {
    const analysis = analyseChannels(buildGraph(model));
    const pcm = planCostModel(analysis);
    expect(pcm).toBeDefined();
    for (const plan of [halfPlan(analysis), randomPlan(analysis, 7, 0.7, true)]) {
      const m = modelMetrics(applyPlan(model, plan, analysis));
      expect(costOfPlan(pcm!, plan)).toEqual({ params: m.params, bytes: m.bytes, macs: m.macs, macsUnknown: 0 });
    }
  }
});
