import { describe, expect, it } from 'vitest';
import type { GatesOutcome } from '../../workers/protocol';
import { learntPlanIsCurrent } from './gates-slice';
import { createStudioStore } from './store';

describe('gates slice', () => {
  it('keeps the live gates of its own job only, and knows when the learnt plan is the current one', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().gatesStarted(0.5);
    s().gatesJob(7);
    s().gatesProgress(8, { stage: 'gates', fraction: 0.5, message: 'other job' });
    expect(s().gatesRun!.message).toBe('Reading the training images');
    const histogram = { bins: 2, counts: [1, 1], zero: 1, undecided: 0, total: 2 };
    s().gatesProgress(7, { stage: 'gates', fraction: 0.5, message: 'step 1', gates: { step: 1, total: 4, histogram, kept: { a: [1] }, keptChannels: 1, totalChannels: 2 } });
    expect(s().gatesRun!.live!.kept).toEqual({ a: [1] });
    const outcome = { plan: { ratios: { a: 0.5 }, roundTo: 1, criterion: 'gates' }, histogram } as unknown as GatesOutcome;
    s().gatesEnded(7, { outcome });
    expect(s().gatesRun!.running).toBe(false);
    expect(learntPlanIsCurrent(s())).toBe(false);
    s().setCriterion('gates');
    s().applyRatios({ a: 0.5 });
    expect(learntPlanIsCurrent(s())).toBe(true);
    s().setRatio('a', 0.4);
    expect(learntPlanIsCurrent(s())).toBe(false);
  });
});
