// Taylor importance end to end on transformer exports: every prunable group of tiny-vit and
// tiny-encoder, attention heads included, gets scores from the generated backward graph.
import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import type { ModelProto } from '../onnx/proto.js';
import { scoreGroups } from './criteria.js';
import { groupTensors } from './group-tensors.js';
import type { ImageBatch } from './images.js';
import { loadAttentionFixture } from './test-utils/attention-fixtures.js';
import { loadRepoModel, nodeRunner, seededRandom } from './test-utils/ort-runner.js';

function randomBatches(size: number, count: number, batch: number): ImageBatch[] {
  const random = seededRandom(7);
  return Array.from({ length: count }, () => {
    const dims = [batch, 3, size, size];
    return { feeds: { input: { dims, data: Float32Array.from({ length: batch * 3 * size * size }, () => random() * 2 - 1) } } };
  });
}

async function taylorOn(model: ModelProto, size: number) {
  const analysis = analyseChannels(buildGraph(model));
  const prunable = analysis.groups.filter((g) => g.prunable);
  const result = await scoreGroups(model, 'taylor', { runner: nodeRunner, batches: randomBatches(size, 2, 2) }, analysis);
  return { prunable, result };
}

describe('Taylor on transformer exports', () => {
  it('tiny-vit: both layers\' attention heads (Q/K/V cut from the packed projection) and MLP groups are scored, none skipped', async () => {
    const { prunable, result } = await taylorOn(loadAttentionFixture('tiny-vit.onnx'), 32);
    expect(prunable.filter((g) => g.unit > 1).length, 'head groups').toBe(2);
    expect(result.skipped).toEqual([]);
    for (const g of prunable) {
      const scores = result.scores.get(g.id)!;
      expect(scores, g.id).toHaveLength(g.channels);
      expect(scores.every(Number.isFinite), g.id).toBe(true);
      // Real gradients rank channels; all-equal scores would mean a zero gradient.
      expect(Math.max(...scores) - Math.min(...scores), g.id).toBeGreaterThan(0.05);
    }
  });
  it('tiny-encoder as exported (dynamic H and W, fixed at the images\' size; seq-first [T, batch, D], token mean over axis 0): every prunable group scored', async () => {
    const { prunable, result } = await taylorOn(loadRepoModel('src/core/graph/test-data/tiny-encoder.onnx'), 16);
    expect(prunable.length).toBeGreaterThan(0);
    expect(result.skipped).toEqual([]);
    for (const g of prunable) expect(Math.max(...result.scores.get(g.id)!) - Math.min(...result.scores.get(g.id)!), g.id).toBeGreaterThan(0.05);
  });
  it('tiny-vit heads: a sequence-first tensor ([T, batch, D]) is scored per image, so batching the images differently changes nothing', async () => {
    const model = loadAttentionFixture('tiny-vit.onnx');
    const analysis = analyseChannels(buildGraph(model));
    const heads = analysis.groups.find((g) => g.unit > 1)!;
    expect(groupTensors(analysis, heads).map((t) => t.batchAxis)).toEqual([1, 1, 1]);
    const [pair] = randomBatches(32, 1, 2);
    const data = pair!.feeds.input!.data;
    const half = data.length / 2;
    const single = [data.subarray(0, half), data.subarray(half)].map((d) => ({ feeds: { input: { dims: [1, 3, 32, 32], data: d } } }));
    const together = await scoreGroups(model, 'taylor', { runner: nodeRunner, batches: [pair!] }, analysis);
    const apart = await scoreGroups(model, 'taylor', { runner: nodeRunner, batches: single }, analysis);
    const a = together.scores.get(heads.id)!;
    const b = apart.scores.get(heads.id)!;
    a.forEach((v, i) => expect(v, `channel ${i}`).toBeCloseTo(b[i]!, 4));
  });
});

describe('the other data criteria on attention heads', () => {
  it('oracle and act-l2 score tiny-vit\'s head groups too (the oracle reruns the whole model: the sub-graph after Q/K/V reads shape integers)', async () => {
    const model = loadAttentionFixture('tiny-vit.onnx');
    const analysis = analyseChannels(buildGraph(model));
    const heads = analysis.groups.filter((g) => g.unit > 1);
    for (const criterion of ['oracle', 'act-l2']) {
      const result = await scoreGroups(model, criterion, { runner: nodeRunner, batches: randomBatches(32, 1, 2) }, analysis);
      expect(result.skipped, criterion).toEqual([]);
      for (const g of heads) expect(result.scores.get(g.id), `${criterion} ${g.id}`).toHaveLength(g.channels);
    }
  });
});
