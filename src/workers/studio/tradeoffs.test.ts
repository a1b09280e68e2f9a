// The Trade-offs sweep's point → plan mapping, on the bundled demo model: the studio plan a point
// loads (ratios per group, rebuilt by the studio's planFromRatios) keeps exactly the channels of
// the plan planForTarget found, so the MACs plotted are the MACs loaded.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runJob } from '../jobs';
import { loadModel } from './load-model';
import { requireLoadedModel } from './loaded-model';
import { planCost } from './plan';
import { studioPlanOf, sweepPlan } from './tradeoffs';

const DEMO = 'public/models/fmnist-resnet8.onnx';
let job = 500;

async function loadDemo(): Promise<void> {
  const bytes = readFileSync(DEMO);
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const r = await runJob(1, () => loadModel({ jobId: job++, bytes: copy, fileName: 'fmnist-resnet8.onnx' }));
  if (!r.ok) throw new Error(r.error.message);
}

describe('sweep point → studio plan', () => {
  it.each([
    ['uniform', 1], ['global', 1], ['uniform', 8], ['global', 4],
  ] as const)('%s, round to %i: the loaded plan keeps the target plan’s channels and MACs', async (allocation, roundTo) => {
    await loadDemo();
    for (const keepMacs of [0.9, 0.6, 0.3]) {
      const { plan, target } = await sweepPlan(requireLoadedModel(), { jobId: job++, keepMacs, allocation, criterion: 'l1', roundTo });
      expect(plan.criterion).toBe('l1');
      expect(target.met).toBe(true);
      const loaded = await planCost({ jobId: job++, ...plan });
      const keep = Object.fromEntries(Object.entries(target.plan.groups).map(([id, g]) => [id, g.keep]));
      expect(loaded.keep).toEqual(keep);
      expect(loaded.after.macs! / loaded.before.macs!).toBeCloseTo(target.reached, 12);
      expect(target.reached).toBeLessThanOrEqual(keepMacs);
    }
  });

  it('leaves whole groups out of the ratios', () => {
    expect(studioPlanOf({ ratios: { a: 0.5, b: 0 } }, 'l2', 1)).toEqual({ ratios: { a: 0.5 }, roundTo: 1, criterion: 'l2' });
  });

  it('a data criterion not scored yet is ranked by L2, and the plan says so', async () => {
    await loadDemo();
    const { plan } = await sweepPlan(requireLoadedModel(), { jobId: job++, keepMacs: 0.5, allocation: 'uniform', criterion: 'act-l2', roundTo: 1 });
    expect(plan.criterion).toBe('l2');
  });

  it('sensitivity without curves is refused with what to do', async () => {
    await loadDemo();
    const r = await runJob(job, () => sweepPlan(requireLoadedModel(), { jobId: job++, keepMacs: 0.5, allocation: 'sensitivity', criterion: 'l1', roundTo: 1 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.hint).toMatch(/Sensitivity tab/);
  });
});
