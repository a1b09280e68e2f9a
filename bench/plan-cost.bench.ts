// The Ratios panel's live read-out: how long the studio worker takes to turn a changed ratio map
// into params/MACs/bytes after pruning (planFromRatios + applyPlan + metrics), per slider change
// (the page debounces 120 ms on top). Also the one-off per-model costs: analysis and L2 scores.
import { readFileSync } from 'node:fs';
import { runJob } from '../src/workers/jobs.js';
import { listGroups } from '../src/workers/studio/groups.js';
import { loadModel } from '../src/workers/studio/load-model.js';
import { planCost } from '../src/workers/studio/plan.js';
import { scoreGroups } from '../src/workers/studio/scores.js';
import { ensureTorchvisionExport, median, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'plan-cost';
/** A read-out within this feels live while dragging a slider. */
const TARGET_MS = 300;

export default async function planCostBench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const name of ['resnet50', 'mobilenet_v2']) {
    const file = ensureTorchvisionExport(ctx, name);
    if (!file) continue;
    const b = readFileSync(file);
    const bytes = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    const loaded = await runJob(1, () => loadModel({ jobId: 1, bytes, fileName: `${name}.onnx` }));
    if (!loaded.ok) throw new Error(loaded.error.message);
    let t0 = performance.now();
    const groups = listGroups().filter((g) => g.prunable);
    rows.push({ suite: SUITE, case: name, metric: 'channel analysis (once per model)', value: performance.now() - t0, unit: 'ms' });
    t0 = performance.now();
    await scoreGroups({ jobId: 2, criterion: 'l2' });
    rows.push({ suite: SUITE, case: name, metric: 'L2 scores (once per model)', value: performance.now() - t0, unit: 'ms' });
    // Each run changes one group's ratio, as a slider drag does, so no cached plan is reused.
    const times: number[] = [];
    const ratios: Record<string, number> = Object.fromEntries(groups.map((g) => [g.id, 0.5]));
    for (let i = 0; i < 8; i++) {
      const g = groups[i % groups.length]!;
      ratios[g.id] = 0.3 + 0.05 * (i % 5);
      const start = performance.now();
      await planCost({ jobId: 10 + i, ratios: { ...ratios }, roundTo: 1, criterion: 'l2' });
      times.push(performance.now() - start);
    }
    const ms = median(times.slice(1));
    rows.push({ suite: SUITE, case: name, metric: 'plan cost after a slider change', value: ms, unit: 'ms', target: `≤ ${TARGET_MS} ms`, pass: ms <= TARGET_MS });
    ctx.log(`${name}: ${groups.length} prunable groups, plan cost ${ms.toFixed(0)} ms`);
  }
  return rows;
}
