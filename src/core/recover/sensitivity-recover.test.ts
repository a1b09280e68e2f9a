// Recovery-aware sensitivity: every curve point is measured on the recovered model, so with the KL
// metric (the quantity the recovery's never-worse guard minimises on the same images) no point is
// worse than without recovery, and least squares mends most of what pruning one group costs.
import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { scoreGroups } from '../score/criteria.js';
import type { ImageBatch } from '../score/images.js';
import { analyseSensitivity } from '../score/sensitivity.js';
import { loadRepoModel, nodeRunner, seededRandom } from '../score/test-utils/ort-runner.js';
import { sensitivityRecovery } from './recover.js';

function noiseBatches(n: number, seed: number): ImageBatch[] {
  const rand = seededRandom(seed);
  return [{ feeds: { input: { dims: [n, 1, 28, 28], data: Float32Array.from({ length: n * 784 }, () => rand()) } } }];
}

describe('sensitivity curves measured after recovery', () => {
  it('no point is worse than without recovery, lsq mends most of the cost, and the result says which recovery ran', async () => {
    const model = loadRepoModel('public/models/fmnist-vgg.onnx');
    const analysis = analyseChannels(buildGraph(model));
    const { scores } = await scoreGroups(model, 'l2');
    const batches = noiseBatches(48, 3);
    const common = { runner: nodeRunner, batches, scores, criterion: 'l2', ratios: [0.5, 0.8], metric: 'kl' as const };
    const plain = await analyseSensitivity(model, common, analysis);
    let recoveries = 0;
    const lsq = sensitivityRecovery(model, 'lsq', { runner: nodeRunner, batches }, analysis);
    const recovered = await analyseSensitivity(model, { ...common, recover: { method: lsq.method, run: (m, plan) => (recoveries++, lsq.run(m, plan)) } }, analysis);
    expect(plain.recovery).toBeUndefined();
    expect(recovered.recovery).toBe('lsq');
    const ids = Object.keys(plain.curves);
    expect(recoveries).toBe(ids.length * 2);
    let plainTotal = 0;
    let recoveredTotal = 0;
    for (const id of ids) {
      plain.curves[id]!.drop.forEach((d, i) => {
        expect(recovered.curves[id]!.drop[i]!).toBeLessThanOrEqual(d * (1 + 1e-5) + 1e-7);
        plainTotal += d;
        recoveredTotal += recovered.curves[id]!.drop[i]!;
      });
      expect(recovered.curves[id]!.macs).toEqual(plain.curves[id]!.macs);
    }
    expect(recoveredTotal).toBeLessThan(0.5 * plainTotal);
  });

  it('refuses distillation: it would train once per curve point', () => {
    const model = loadRepoModel('public/models/fmnist-vgg.onnx');
    expect(() => sensitivityRecovery(model, 'distill', { runner: nodeRunner, batches: noiseBatches(2, 1) })).toThrow(/training-free recovery/);
  });
});
