import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { scoreGroups, ZERO_SCORES_REASON, type ScoreOptions } from './criteria.js';
import { groupTensors } from './group-tensors.js';
import { halfSquaredErrorPerImage, parseTaskOverrides, resolveTasks } from './loss-task.js';
import { withModel, type Float32Tensor } from './runner.js';
import { perturbedModel } from './test-utils/finite-diff.js';
import { loadRepoModel, nodeRunner, seededRandom } from './test-utils/ort-runner.js';

const TWO_TASK = loadRepoModel('tools/fixtures/models/multi-task.onnx');
const SEGMENTATION = loadRepoModel('tools/fixtures/models/segmentation.onnx');

function images(n: number, c: number, size: number, seed: number): Float32Tensor {
  const rand = seededRandom(seed);
  return { dims: [n, c, size, size], data: Float32Array.from({ length: n * c * size * size }, rand) };
}

describe('loss-driven criteria on a two-task model (class logits + ConvTranspose reconstruction)', () => {
  const batches = [{ feeds: { input: images(3, 1, 28, 1) } }, { feeds: { input: images(2, 1, 28, 2) } }];
  const analysis = analyseChannels(buildGraph(TWO_TASK));
  const prunable = analysis.groups.filter((g) => g.prunable).map((g) => g.id).sort();

  it('taylor scores every prunable group for both outputs, none skipped', async () => {
    const r = await scoreGroups(TWO_TASK, 'taylor', { runner: nodeRunner, batches, normalise: 'none' }, analysis);
    expect(r.skipped).toEqual([]);
    expect([...r.perOutput!.keys()].sort()).toEqual(['logits', 'reconstruction']);
    for (const [output, scores] of r.perOutput!) {
      expect([...scores.keys()].sort(), output).toEqual(prunable);
      for (const v of scores.values()) expect(v.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
    }
    // The decoder groups only reach the reconstruction: their class scores are zero, their L2 scores not.
    const decoder = prunable.find((id) => id.includes('up1'))!;
    expect(Math.max(...r.perOutput!.get('logits')!.get(decoder)!)).toBe(0);
    expect(Math.max(...r.perOutput!.get('reconstruction')!.get(decoder)!)).toBeGreaterThan(0);
  });

  it('oracle on the reconstruction is ½‖y(channel zeroed) − y‖² per image, measured independently', async () => {
    const r = await scoreGroups(TWO_TASK, 'oracle', { runner: nodeRunner, batches, lossOutputs: ['reconstruction'], normalise: 'none' }, analysis);
    const group = analysis.groups.find((g) => g.id.includes('up1'))!;
    const [tensor] = groupTensors(analysis, group);
    const expected = await withModel(nodeRunner, perturbedModel(TWO_TASK, tensor!.name, 'scale'), async (m) => {
      const out: number[] = [];
      for (let c = 0; c < group.channels; c++) {
        let total = 0;
        let count = 0;
        for (const b of batches) {
          const scale = (zero: boolean) => ({ dims: [1, group.channels, 1, 1], data: Float32Array.from({ length: group.channels }, (_, k) => (zero && k === c ? 0 : 1)) });
          const ref = (await m.run({ ...b.feeds, __scale: scale(false) })).reconstruction!;
          const cut = (await m.run({ ...b.feeds, __scale: scale(true) })).reconstruction!;
          halfSquaredErrorPerImage(cut, ref).forEach((v) => (total += v));
          count += b.feeds.input.dims[0]!;
        }
        out.push(total / count);
      }
      return out;
    });
    const got = r.scores.get(group.id)!;
    expected.forEach((e, c) => expect(Math.abs(got[c]! - e) / Math.max(...expected), `channel ${c}`).toBeLessThan(1e-4));
  });

  it('a task override changes the loss (dense reconstruction scored as class gives different scores)', async () => {
    const opts: ScoreOptions = { runner: nodeRunner, batches, lossOutputs: ['reconstruction'], normalise: 'none' };
    const dense = await scoreGroups(TWO_TASK, 'oracle', opts, analysis);
    const asClass = await scoreGroups(TWO_TASK, 'oracle', { ...opts, tasks: { reconstruction: 'segmentation' } }, analysis);
    const id = prunable[0]!;
    // One channel: softmax over it is constant, so a per-pixel class loss sees nothing: every score
    // is 0, and the group is reported as unscored rather than ranked arbitrarily.
    expect(asClass.scores.has(id)).toBe(false);
    expect(asClass.skipped).toContainEqual({ group: id, reason: ZERO_SCORES_REASON });
    expect(Math.max(...dense.scores.get(id)!)).toBeGreaterThan(0);
  });
});

describe('segmentation fixture (Resize + ConvTranspose)', () => {
  it('is scored by taylor with a per-pixel loss, no group skipped', async () => {
    const analysis = analyseChannels(buildGraph(SEGMENTATION));
    expect(resolveTasks(analysis.ir, analysis.shapes).get('output')).toBe('segmentation');
    const r = await scoreGroups(SEGMENTATION, 'taylor', { runner: nodeRunner, batches: [{ feeds: { input: images(2, 3, 32, 3) } }] }, analysis);
    expect(r.skipped).toEqual([]);
    expect(r.scores.size).toBeGreaterThanOrEqual(4);
    expect(r.scores.size).toBe(analysis.groups.filter((g) => g.prunable).length);
  });
});

describe('task options', () => {
  it('parses NAME=KIND and rejects unknown kinds and outputs', () => {
    expect(parseTaskOverrides(['a=dense', 'x=y=class'])).toEqual({ a: 'dense', 'x=y': 'class' });
    expect(() => parseTaskOverrides(['a=regression'])).toThrow(/expected NAME=class\|dense\|segmentation/);
    const ir = buildGraph(TWO_TASK);
    expect(() => resolveTasks(ir, analyseChannels(ir).shapes, { recon: 'dense' })).toThrow(/no output of that name .*logits, reconstruction/);
  });
});

describe('groups a loss does not reach', () => {
  it('score 0 for that output (not the 1s of normalised zeros), so max-combining keeps the other output’s ranking', async () => {
    const analysis = analyseChannels(buildGraph(TWO_TASK));
    const r = await scoreGroups(TWO_TASK, 'taylor', { runner: nodeRunner, batches: [{ feeds: { input: images(4, 1, 28, 5) } }] }, analysis);
    const decoder = analysis.groups.filter((g) => g.prunable && g.id.includes('up')).map((g) => g.id);
    expect(decoder.length).toBeGreaterThan(0);
    for (const id of decoder) {
      expect([...r.perOutput!.get('logits')!.get(id)!].every((v) => v === 0)).toBe(true);
      expect([...r.scores.get(id)!]).toEqual([...r.perOutput!.get('reconstruction')!.get(id)!]);
      expect(Math.min(...r.scores.get(id)!)).toBeLessThan(1);
    }
  });
});
