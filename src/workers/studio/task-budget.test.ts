// The studio's sensitivity-guided control with PAGCP task budgets, on the two-task fixture (class
// logits + dense reconstruction): curves measured per output in onnxruntime-node on the bundled
// samples (the worker's own run decodes images with browser APIs) and installed as the worker's last
// sensitivity run. A tight reconstruction budget binds before the MACs target: the plan within it is
// returned and reported budget-limited, not refused; loose budgets let the target be met.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseSensitivity } from '../../core/score/sensitivity';
import { loadImageBatches, nodeModelRunner } from '../../cli/data/score-images';
import { runJob } from '../jobs';
import { loadModel } from './load-model';
import { requireLoadedModel } from './loaded-model';
import { globalPlan, planCost } from './plan';
import { analysisOf, cachedScores } from './pruning-cache';
import { scoreGroups } from './scores';
import { rememberSensitivity } from './sensitivity';

const MODEL = 'tools/fixtures/models/multi-task.onnx';
let job = 700;
const request = (target: number, budgets?: Record<string, number>) =>
  ({ jobId: job++, mode: 'sensitivity' as const, target, locked: {}, roundTo: 1, criterion: 'l1', ...(budgets ? { budgets } : {}) });

beforeAll(async () => {
  const bytes = readFileSync(MODEL);
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const r = await runJob(1, () => loadModel({ jobId: job++, bytes: copy, fileName: 'multi-task.onnx' }));
  if (!r.ok) throw new Error(r.error.message);
  const loaded = requireLoadedModel();
  await scoreGroups({ jobId: job++, criterion: 'l1' });
  const { batches } = loadImageBatches(loaded.model, 'public/samples/calibration', process.cwd(), { limit: 16 });
  const result = await analyseSensitivity(loaded.model, {
    runner: nodeModelRunner, batches, scores: cachedScores(loaded, 'l1')!, criterion: 'l1', ratios: [0.25, 0.5, 0.75],
  }, analysisOf(loaded));
  expect(result.outputs?.map((o) => o.name)).toEqual(['logits', 'reconstruction']);
  rememberSensitivity(loaded, result);
});

describe('task budgets in the studio’s sensitivity allocation', () => {
  it('a tight budget stops the pruning within it and is reported as binding, not as an error', async () => {
    const r = await runJob(job, () => globalPlan(request(0.7, { reconstruction: 0.03 })));
    if (!r.ok) throw new Error(r.error.message);
    const plan = r.value;
    expect(plan.budgetLimited).toBe(true);
    expect(plan.binding).toEqual(['reconstruction']);
    const task = plan.tasks!.reconstruction!;
    expect(task).toMatchObject({ budget: 0.03, measure: '1 − R²' });
    expect(task.predictedDrop).toBeGreaterThan(0);
    expect(task.predictedDrop).toBeLessThanOrEqual(0.03);
    // Stopped short of the target (keep 30 %), yet some MACs went; the ratios give that cost.
    expect(plan.keptMacs!).toBeGreaterThan(0.3);
    expect(plan.keptMacs!).toBeLessThan(1);
    const cost = await planCost({ jobId: job++, ratios: plan.ratios, roundTo: 1, criterion: 'l1' });
    expect(cost.after.macs! / cost.before.macs!).toBeCloseTo(plan.keptMacs!, 6);
  });

  it('loose budgets let the target be met, each drop reported against its budget', async () => {
    const plan = await globalPlan(request(0.4, { logits: 100, reconstruction: 100 }));
    expect(plan.budgetLimited).toBe(false);
    expect(plan.binding).toBeUndefined();
    expect(plan.keptMacs!).toBeLessThanOrEqual(0.6);
    expect(Object.keys(plan.tasks!)).toEqual(['logits', 'reconstruction']);
    expect(plan.tasks!.logits).toMatchObject({ budget: 100, measure: 'agreement' });
  });

  it('without budgets keeps today’s reply; budgets the curves cannot honour are refused with what to do', async () => {
    const plain = await globalPlan(request(0.4));
    expect(plain.tasks).toBeUndefined();
    expect(plain.budgetLimited).toBeUndefined();
    expect(plain.keptMacs!).toBeLessThanOrEqual(0.6);
    const unreachable = await runJob(job, () => globalPlan(request(0.95)));
    expect(unreachable.ok).toBe(false);
    if (!unreachable.ok) expect(unreachable.error.message).toMatch(/cannot be reached/);
    const unknown = await runJob(job, () => globalPlan(request(0.5, { depth: 0.1 })));
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error.message).toMatch(/no output of that name/);
  });
});
