import { describe, expect, it } from 'vitest';
import type { TrainingEvent } from '../../workers/protocol';
import { applyTrainingEvent, bestEpoch, curveSeries, smooth, type TrainingCurve } from './training-curve';

const run = (events: TrainingEvent[]): TrainingCurve | undefined => events.reduce<TrainingCurve | undefined>(applyTrainingEvent, undefined);
const start: TrainingEvent = { kind: 'start', epochs: 2, images: 40, backend: 'WASM' };
const epoch = (e: number, loss: number, best: boolean, agreement?: number): TrainingEvent =>
  ({ kind: 'epoch', epoch: e, heldOutLoss: loss, best, seconds: e, ...(agreement !== undefined ? { heldOutAgreement: agreement } : {}) });

describe('training curve', () => {
  it('ignores events before a start, and a start begins a new curve', () => {
    expect(run([{ kind: 'step', step: 1, total: 4, loss: 1 }])).toBeUndefined();
    const first = run([start, { kind: 'step', step: 1, total: 4, loss: 1 }])!;
    expect(applyTrainingEvent(first, start)!.steps).toEqual([]);
  });

  it('places steps on the epoch axis and keeps the held-out points per epoch', () => {
    const curve = run([start, epoch(0, 2, true, 0.5),
      { kind: 'step', step: 1, total: 4, loss: 1.6 }, { kind: 'step', step: 2, total: 4, loss: 1.2 }, epoch(1, 1.1, true, 0.8),
      { kind: 'step', step: 3, total: 4, loss: 1.4 }, { kind: 'step', step: 4, total: 4, loss: 1.0 }, epoch(2, 1.3, false, 0.75)])!;
    const s = curveSeries(curve, 0);
    expect(s.trainLoss).toEqual([[0.5, 1.6], [1, 1.2], [1.5, 1.4], [2, 1]]);
    expect(s.heldOutLoss).toEqual([[0, 2], [1, 1.1], [2, 1.3]]);
    expect(s.agreement).toEqual([[0, 0.5], [1, 0.8], [2, 0.75]]);
    expect(s.seconds).toEqual([0, 1, 2]);
    // Epoch 2 was worse: the run keeps epoch 1.
    expect(bestEpoch(curve)).toBe(1);
    expect(s.best?.epoch).toBe(1);
  });

  it('pause and resume flip the flag without losing points', () => {
    const paused = run([start, { kind: 'step', step: 1, total: 4, loss: 1 }, { kind: 'paused', step: 1 }])!;
    expect(paused.paused).toBe(true);
    expect(paused.steps).toEqual([1]);
    expect(applyTrainingEvent(paused, { kind: 'resumed', step: 1 })!.paused).toBe(false);
  });

  it('smooths with bias correction: a constant stays constant, weight 0 is the identity', () => {
    expect(smooth([2, 2, 2], 0.9).map((v) => +v.toFixed(12))).toEqual([2, 2, 2]);
    expect(smooth([3, 1, 2], 0)).toEqual([3, 1, 2]);
    const s = smooth([4, 0], 0.5);
    expect(s[0]).toBeCloseTo(4);
    expect(s[1]).toBeCloseTo((0.5 * 0.5 * 4) / 0.75);
  });
});
