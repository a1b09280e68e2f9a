// planFromRatios on real exporter fixtures: plans it builds must apply, and removing the channels
// must give the same outputs as masking them in the original (the masked-reference oracle), also
// when grouped convolutions are pruned (equal keeps per block) and Split/Slice pieces would empty.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { buildGraph } from '../graph/ir.js';
import { analyseChannels } from '../graph/channels/analyse.js';
import { channelPieces } from './plan.js';
import { magnitudeScores } from '../score/magnitude.js';
import { applyPlan } from './apply.js';
import { planFromRatios } from './allocate-plan.js';
import { maskedReference } from './test-utils/masked.js';
import { randomInputs, runModel, worstMismatch } from './test-utils/ort.js';

const DIR = new URL('../../../tools/fixtures/models/', import.meta.url);
const INPUT = [{ name: 'input', shape: ['batch', 3, 64, 64] as (number | string)[] }];

function load(file: string, groupedConvolutions: boolean) {
  const model = decodeModel(readFileSync(new URL(file, DIR)), file);
  return { model, analysis: analyseChannels(buildGraph(model), undefined, { groupedConvolutions }) };
}

/** Channels kept in each block of a group split into `blocks` equal blocks. */
function perBlock(keep: number[], channels: number, blocks: number): number[] {
  const size = channels / blocks;
  return Array.from({ length: blocks }, (_, b) => keep.filter((k) => k >= b * size && k < (b + 1) * size).length);
}

describe.each(['resnext.onnx', 'regnet-y.onnx'])('planFromRatios with grouped convolutions on %s', (file) => {
  const { model, analysis } = load(file, true);
  const scores = magnitudeScores(analysis, 'l2');
  // Channel-statistics groups are left whole: masking is not equivalent to removal there.
  const targets = analysis.groups.filter((g) => g.prunable && !g.channelStatistics);
  const ratios = Object.fromEntries(targets.map((g, i) => [g.id, [0.3, 0.5, 0.6][i % 3]!]));

  it('keeps the same number of channels in every block, the best-scored of each', () => {
    const plan = planFromRatios(model, analysis, scores, ratios, 'l2');
    const blocked = targets.filter((g) => g.blocks > 1);
    expect(blocked.length, 'fixture has grouped-convolution groups').toBeGreaterThan(0);
    for (const g of blocked) {
      const gp = plan.groups[g.id];
      expect(gp, `${g.id} is pruned`).toBeDefined();
      const counts = perBlock(gp!.keep, g.channels, g.blocks);
      expect(new Set(counts).size, `${g.id} keeps ${counts.join(', ')} per block`).toBe(1);
      expect(counts[0]).toBeGreaterThan(0);
      // Within each block, no dropped channel outscores a kept one.
      const s = scores.get(g.id)!;
      const size = g.channels / g.blocks;
      for (let b = 0; b < g.blocks; b++) {
        const inBlock = Array.from({ length: size }, (_, i) => b * size + i);
        const kept = inBlock.filter((c) => gp!.keep.includes(c));
        const dropped = inBlock.filter((c) => !gp!.keep.includes(c));
        if (dropped.length) expect(Math.min(...kept.map((c) => s[c]!))).toBeGreaterThanOrEqual(Math.max(...dropped.map((c) => s[c]!)));
      }
    }
  });

  it('applies and matches the masked original', async () => {
    const plan = planFromRatios(model, analysis, scores, ratios, 'l2', 2);
    expect(Object.keys(plan.groups).length).toBeGreaterThan(0);
    const feeds = randomInputs(INPUT, 5);
    const pruned = encodeModel(applyPlan(model, plan, analysis));
    const [want, got, original] = await Promise.all([runModel(maskedReference(model, plan, analysis), feeds), runModel(pruned, feeds), runModel(model, feeds)]);
    for (const k of Object.keys(want)) {
      expect(got[k]!.dims).toEqual(want[k]!.dims);
      expect(worstMismatch(want[k]!.data, got[k]!.data), `${file} output ${k}`).toBeLessThanOrEqual(1);
      // The oracle saw the plan: the masked model differs from the original.
      expect(worstMismatch(original[k]!.data, want[k]!.data)).toBeGreaterThan(1);
    }
  });
});

describe('planFromRatios without grouped convolutions', () => {
  it('leaves grouped-convolution groups out (they are barriers) and the plan applies', () => {
    const { model, analysis } = load('resnext.onnx', false);
    const ratios = Object.fromEntries(analysis.groups.map((g) => [g.id, 0.5]));
    const plan = planFromRatios(model, analysis, magnitudeScores(analysis, 'l2'), ratios, 'l2');
    const pruned = Object.keys(plan.groups);
    expect(pruned.length).toBeGreaterThan(0);
    for (const id of pruned) expect(analysis.groups.find((g) => g.id === id)!.prunable).toBe(true);
    expect(() => applyPlan(model, plan, analysis)).not.toThrow();
  });
});

describe.each(['edge-split-opset13.onnx', 'edge-split-opset11.onnx', 'edge-slice-channels.onnx'])('planFromRatios on Split/Slice pieces (%s)', (file) => {
  it('keeps a channel in every piece at extreme ratios and matches the masked original', async () => {
    const { model, analysis } = load(file, true);
    const pieces = channelPieces(analysis);
    expect(pieces.length, 'fixture splits channels').toBeGreaterThan(0);
    // One channel kept per group: without repair some Split/Slice output would be left empty.
    const ratios = Object.fromEntries(analysis.groups.filter((g) => g.prunable && !g.channelStatistics).map((g) => [g.id, 0.99]));
    const plan = planFromRatios(model, analysis, magnitudeScores(analysis, 'l2'), ratios, 'l2');
    const feeds = randomInputs([{ name: 'input', shape: ['batch', 3, 8, 8] }], 3);
    const [want, got] = await Promise.all([runModel(maskedReference(model, plan, analysis), feeds), runModel(applyPlan(model, plan, analysis), feeds)]);
    for (const k of Object.keys(want)) expect(worstMismatch(want[k]!.data, got[k]!.data), `${file} output ${k}`).toBeLessThanOrEqual(1);
  });
});
