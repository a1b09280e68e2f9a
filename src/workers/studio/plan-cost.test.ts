// The studio's plan cost is counted from the kept channels (no applyPlan per slider change); it
// must read the same as measuring the pruned model that validate and export build for that plan.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../core/graph/ir';
import { MAC_OPS } from '../../core/metrics/macs';
import { computeMetrics } from '../../core/metrics/model-metrics';
import { runJob } from '../jobs';
import { listGroups } from './groups';
import { loadModel } from './load-model';
import { requireLoadedModel } from './loaded-model';
import { planCost, prunedModel } from './plan';

const bytes = readFileSync('e2e/fixtures/small-cnn.onnx');
let job = 300;

describe('planCost', () => {
  it('equals the metrics of the applied plan, for several ratio maps', async () => {
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const r = await runJob(1, () => loadModel({ jobId: job++, bytes: copy, fileName: 'small-cnn.onnx' }));
    if (!r.ok) throw new Error(r.error.message);
    const ids = listGroups().filter((g) => g.prunable).map((g) => g.id);
    expect(ids.length).toBeGreaterThan(0);
    for (const [i, base] of [0.25, 0.5, 0.8].entries()) {
      const plan = { ratios: Object.fromEntries(ids.map((id, j) => [id, j % 2 === i % 2 ? base : base / 2])), roundTo: 1, criterion: 'l2' };
      const cost = await planCost({ jobId: job++, ...plan });
      const pruned = await prunedModel(requireLoadedModel(), plan, job++);
      const m = computeMetrics(buildGraph(pruned.model));
      expect(cost.after).toEqual({ params: m.params, bytes: m.bytes, macs: m.macs });
      expect(cost.after.params).toBeLessThan(cost.before.params);
      // The architecture chart's per-layer MACs: each MAC layer of the same pruned model.
      expect(cost.layers).toEqual(m.nodes.filter((n) => MAC_OPS.has(n.opType)).map((n) => ({ node: n.id, macs: n.macs })));
      expect(cost.keep).toEqual(Object.fromEntries(Object.entries(pruned.plan.groups).map(([id, g]) => [id, g.keep])));
    }
  });
});
