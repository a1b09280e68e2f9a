// The learnt plan as the studio holds it: ratios with criterion "gates" whose scores are the gate
// values must select exactly the learnt channels (the cost and the graph show them), and only that
// plan is served as the learnt model (a moved slider makes it an ordinary plan again).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planRemoving } from '../../core/train/gates-polarize';
import type { GatesResult } from '../../core/train/gates';
import { runJob } from '../jobs';
import { installLearnt, learntModel } from './gates';
import { loadModel } from './load-model';
import { requireLoadedModel } from './loaded-model';
import { planCost } from './plan';
import { analysisOf } from './pruning-cache';

async function loadDemo(): Promise<void> {
  const bytes = readFileSync('public/models/fmnist-resnet8.onnx');
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const r = await runJob(1, () => loadModel({ jobId: 2, bytes: copy, fileName: 'fmnist-resnet8.onnx' }));
  if (!r.ok) throw new Error(r.error.message);
}

describe('learnt plan in the studio worker', () => {
  it('turns the learnt gates into ratios that select exactly the learnt channels, and serves the learnt model for that plan only', async () => {
    await loadDemo();
    const loaded = requireLoadedModel();
    const groups = analysisOf(loaded).groups.filter((g) => g.prunable);
    // Gates as a run leaves them: every third channel at exactly 0 (ties among the zeros), the others open but uneven.
    const removed = new Map(groups.map((g, k) => [g.id, new Set(Array.from({ length: g.channels }, (_, c) => c).filter((c) => (c + k) % 3 === 0))]));
    const gates = new Map(groups.map((g) => [g.id, Float32Array.from({ length: g.channels }, (_, c) => (removed.get(g.id)!.has(c) ? 0 : 0.2 + ((c * 37) % 11) / 14))]));
    const plan = planRemoving(loaded.model, analysisOf(loaded), removed);
    expect(Object.keys(plan.groups).length).toBe(groups.length);
    const histogram = { bins: 20, counts: [], zero: 0, undecided: 0, total: 0 };
    const learnt = { model: loaded.model, plan, gates, histogram, macs: { base: 1, target: 0.5, kept: 0.5, met: true }, skipped: [],
      training: { history: [], bestEpoch: 0, stoppedBy: 'done', seconds: 1, steps: 1, images: { train: 10, heldOut: 1, labelled: false } } } as unknown as GatesResult;
    const outcome = installLearnt(loaded, learnt);
    expect(outcome.plan.criterion).toBe('gates');
    expect(outcome.plan.roundTo).toBe(1);
    const cost = await planCost({ ...outcome.plan, jobId: 3 });
    expect(cost.keep).toEqual(Object.fromEntries(Object.entries(plan.groups).map(([id, g]) => [id, g.keep])));
    expect(learntModel(loaded, outcome.plan)?.model).toBe(loaded.model);
    const [first] = Object.keys(outcome.plan.ratios);
    expect(learntModel(loaded, { ...outcome.plan, ratios: { ...outcome.plan.ratios, [first!]: 0.1 } })).toBeUndefined();
    expect(learntModel(loaded, { ...outcome.plan, criterion: 'l1' })).toBeUndefined();
  });
});
