// The Ratios panel's live read-out: how long the studio worker takes to turn a changed ratio map
// into params/MACs/bytes after pruning (planFromRatios + costOfPlan), per slider change (the page
// debounces 120 ms on top); the re-cost alone against applying the plan and measuring it, as the
// worker did before. Also the one-off per-model costs: analysis, L2 scores, re-cost precomputation.
import { readFileSync } from 'node:fs';
import { runJob } from '../src/workers/jobs.js';
import { listGroups } from '../src/workers/studio/groups.js';
import { loadModel } from '../src/workers/studio/load-model.js';
import { buildGraph } from '../src/core/graph/ir.js';
import { computeMetrics } from '../src/core/metrics/model-metrics.js';
import { costOfPlan, planCostModel } from '../src/core/metrics/plan-cost.js';
import { applyPlan } from '../src/core/prune/apply.js';
import type { PrunePlan } from '../src/core/prune/plan.js';
import { requireLoadedModel } from '../src/workers/studio/loaded-model.js';
import { corePlan, planCost } from '../src/workers/studio/plan.js';
import { analysisOf } from '../src/workers/studio/pruning-cache.js';
import { scoreGroups } from '../src/workers/studio/scores.js';
import { ensureTorchvisionExport, median, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'plan-cost';
/** A read-out within this feels live while dragging a slider. */
const TARGET_MS = 300;
/** Re-costing a changed plan (without applying it) within one 60 Hz frame. */
const RECOST_TARGET_MS = 16;

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
    rows.push(...(await recostRows(name, ratios, groups.map((g) => g.id))));
  }
  return rows;
}

/** The re-cost alone: params/MACs/bytes from the kept channels (costOfPlan) vs applying the plan and measuring it. */
async function recostRows(name: string, ratios: Record<string, number>, ids: string[]): Promise<BenchRow[]> {
  const loaded = requireLoadedModel();
  const analysis = analysisOf(loaded);
  const plans: PrunePlan[] = [];
  for (let i = 0; i < 9; i++) {
    const id = ids[(i * 7) % ids.length]!;
    ratios = { ...ratios, [id]: 0.2 + 0.07 * i };
    plans.push(await corePlan(loaded, { ratios, roundTo: 1, criterion: 'l2' }, 100 + i));
  }
  let t0 = performance.now();
  const pcm = planCostModel(analysis);
  const precompute = performance.now() - t0;
  if (!pcm) throw new Error(`${name}: costOfPlan cannot cost this model (it would fall back to applying plans)`);
  const recost: number[] = [];
  const apply: number[] = [];
  for (const [i, plan] of plans.entries()) {
    t0 = performance.now();
    const fast = costOfPlan(pcm, plan)!;
    recost.push(performance.now() - t0);
    if (i >= 4) continue; // applying is slow: a few runs are enough
    t0 = performance.now();
    const m = computeMetrics(buildGraph(applyPlan(loaded.model, plan, analysis)));
    apply.push(performance.now() - t0);
    if (m.params !== fast.params || m.macs !== fast.macs || m.bytes !== fast.bytes) throw new Error(`${name}: costOfPlan differs from the applied plan's metrics`);
  }
  const ms = median(recost.slice(1));
  return [
    { suite: SUITE, case: name, metric: 're-cost precomputation (once per model)', value: precompute, unit: 'ms' },
    { suite: SUITE, case: name, metric: 're-cost from kept channels (costOfPlan)', value: ms, unit: 'ms', target: `≤ ${RECOST_TARGET_MS} ms`, pass: ms <= RECOST_TARGET_MS },
    { suite: SUITE, case: name, metric: 're-cost by applyPlan + metrics (before)', value: median(apply.slice(1)), unit: 'ms' },
  ];
}
